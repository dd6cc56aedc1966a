import { afterAnswer } from "../after-answer.js";
import { commandsApp } from "../commands/handler.js";
import { PermissionCache } from "../commands/permissions.js";
import { CommandRateLimit } from "../commands/rate-limit.js";
import { appLinks } from "../commands/run-command.js";
import type { Feature, FeatureContext } from "../feature.js";
import { commentDeps, type Octokit } from "./deps.js";
import { commentOnFed } from "./on-fed.js";
import { prEventsApp } from "./pr-events.js";
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
  });
  // Comment refreshes run after their delivery was answered; close waits for them.
  const later = afterAnswer();
  return {
    name: "comments",
    onFed: [commentOnFed(deps, later.run)],
    idle: later.idle,
    close: later.idle,
    app: async (app, options) => {
      await prEvents(app, options);
      await commands(app, options);
      // Comments a stop left behind (fed, answered, not rendered yet), once at start, in the background.
      later.run(async () => {
        try {
          await refreshStaleComments(deps, async (installationId) => (await app.auth(installationId)) as Octokit);
        } catch (err) {
          deps.log.warn(
            { err },
            "could not look for PR comments left behind by a stop; the PRs' next events refresh them",
          );
        }
      });
    },
  };
}
