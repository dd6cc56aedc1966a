import type { ApplicationFunction } from "probot";
import { pushChangesConfig } from "./github/config-changes.js";
import { type CoreDeps, feedFromEvent } from "./github/feed-event.js";
import {
  issueOpenedFeedings,
  pullRequestMergedFeedings,
  pullRequestOpenedFeedings,
  pushFeedings,
  reviewFeedings,
} from "./github/feedings.js";
import { recordInstallation } from "./github/installation.js";
import type { Json } from "./github/payload.js";
import { repoRefOf } from "./github/repo-ref.js";
import { REPOSITORY_CHANGES, recordRepositoryChange } from "./github/repository.js";

export type AppDeps = CoreDeps;

/** The Probot app: wiring only. The same function serves the App server and tests (`probot.receive`). */
export function dashApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.on("push", async (context) => {
      const payload = context.payload as unknown as Json;
      if (pushChangesConfig(payload)) {
        const repo = repoRefOf(payload);
        if (repo?.name === ".github") deps.settings.invalidateAllConfigs();
        else if (repo) deps.settings.invalidateConfig(repo.id);
      }
      await feedFromEvent(context, deps, "push", pushFeedings);
    });
    app.on("issues.opened", (context) =>
      feedFromEvent(context, deps, "issues.opened", issueOpenedFeedings).then(() => {}),
    );
    app.on("pull_request.opened", (context) =>
      feedFromEvent(context, deps, "pull_request.opened", pullRequestOpenedFeedings).then(() => {}),
    );
    app.on("pull_request.closed", async (context) => {
      if (context.payload.pull_request?.merged !== true) {
        context.log.debug("ignored: pull request closed without merging");
        return;
      }
      await feedFromEvent(context, deps, "pull_request.merged", pullRequestMergedFeedings);
    });
    app.on("pull_request_review.submitted", (context) =>
      feedFromEvent(context, deps, "pull_request_review.submitted", reviewFeedings).then(() => {}),
    );
    app.on(["installation", "installation_repositories"], (context) => recordInstallation(context, deps.store));
    app.on([...REPOSITORY_CHANGES], (context) => recordRepositoryChange(context, deps));
  };
}
