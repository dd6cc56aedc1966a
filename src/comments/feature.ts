import { afterAnswer } from "../after-answer.js";
import { commandsApp } from "../commands/handler.js";
import { PermissionCache } from "../commands/permissions.js";
import { CommandRateLimit } from "../commands/rate-limit.js";
import { appLinks } from "../commands/run-command.js";
import type { Feature, FeatureContext } from "../feature.js";
import { commentDeps, type Octokit } from "./deps.js";
import { commentOnFed } from "./on-fed.js";
import { prEventsApp } from "./pr-events.js";
import { startPrRetention } from "./pr-retention.js";
import { refreshStaleComments } from "./stale.js";

/** Where contributors meet Dash: the sticky PR comment and the `/dash` commands. */
export function commentsFeature(ctx: FeatureContext): Feature {
  const deps = commentDeps(ctx);
  const prEvents = prEventsApp(deps, ctx.settings);
  const commands = commandsApp({
    store: ctx.store,
    settings: ctx.settings,
    permissions: new PermissionCache(),
    limit: new CommandRateLimit(),
    links: appLinks(ctx.env.PUBLIC_URL),
    now: ctx.now,
    accessChanged: (repoId) => ctx.settings.accessChanged(repoId),
  });
  // Comment refreshes run after their delivery was answered; close waits for them.
  const later = afterAnswer();
  let closing = false;
  let secondSweep: NodeJS.Timeout | null = null;
  const retention =
    ctx.env.PR_RETENTION_DAYS > 0
      ? startPrRetention({ comments: deps.comments, days: ctx.env.PR_RETENTION_DAYS, log: deps.log, now: ctx.now })
      : null;
  const close = async () => {
    closing = true;
    if (secondSweep) clearTimeout(secondSweep);
    await retention?.stop();
    await later.idle();
  };
  return {
    name: "comments",
    onFed: [commentOnFed(deps, later.run)],
    idle: later.idle,
    close,
    app: async (app, options) => {
      await prEvents(app, options);
      await commands(app, options);
      // Comments a stop left behind (fed and answered, not rendered), in the background: at start, and
      // once more when the leases the stopped process held have run out.
      const sweep = () =>
        later.run(async () => {
          try {
            const auth = async (installationId: number) => (await app.auth(installationId)) as Octokit;
            await refreshStaleComments(deps, auth, () => closing);
          } catch (err) {
            deps.log.warn(
              { err },
              "could not look for PR comments left behind by a stop; their PRs' next events refresh them",
            );
          }
        });
      sweep();
      secondSweep = setTimeout(sweep, deps.leaseMs + 1000);
      secondSweep.unref();
    },
  };
}
