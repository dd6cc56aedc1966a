import type { ApplicationFunction, Context } from "probot";
import { settingsFor } from "../github/feed-event.js";
import type { Json } from "../github/payload.js";
import { repoRefOf } from "../github/repo-ref.js";
import type { RepoSettingsCache } from "../github/repo-settings.js";
import type { CommentDeps, Octokit } from "./deps.js";
import { prOf } from "./pr-info.js";
import { quietPr } from "./quiet.js";
import { saveRenderSettings } from "./render-settings.js";
import { refreshPrComment } from "./upsert.js";

/**
 * PR events that feed nothing themselves but matter to the comment: new commits on the branch
 * (`synchronize`), and the PR closing or reopening (a closed PR's branch no longer feeds it).
 */
export function prEventsApp(deps: CommentDeps, settings: RepoSettingsCache): ApplicationFunction {
  return (app) => {
    app.on("pull_request.synchronize", (context) => onSynchronize(deps, settings, context));
    app.on(["pull_request.closed", "pull_request.reopened"], async (context) => {
      const payload = context.payload as unknown as Json;
      const repo = repoRefOf(payload);
      const pr = prOf(payload);
      if (!repo || !pr) return;
      const key = { repoId: repo.id, prNumber: pr.number };
      // Only PRs Dash already follows: a closed PR in a repo Dash never ate in needs no row.
      if (await deps.comments.getPr(key)) await deps.comments.trackPr(key, pr.info, deps.now().getTime());
    });
  };
}

async function onSynchronize(deps: CommentDeps, cache: RepoSettingsCache, context: Context): Promise<void> {
  const payload = context.payload as Json;
  const repo = repoRefOf(payload);
  const pr = prOf(payload);
  if (!repo || !pr) return;
  const key = { repoId: repo.id, prNumber: pr.number };
  const known = await deps.comments.getPr(key);
  const settings = await settingsFor(context, { settings: cache }, repo);
  if (!settings.feeds) {
    context.log.debug({ reason: settings.reason }, "ignored: Dash is not fed here");
    return;
  }
  // A PR opened before the App was installed: follow it from now on, so pushes to its branch feed it.
  await deps.comments.trackPr(key, pr.info, deps.now().getTime());
  // Without a comment there is nothing to re-render. Taking the lease for nothing would also make the
  // push that carries these commits (which may create the comment) leave its render to this one.
  if (!known || known.commentId === null || quietPr(pr.info.authorLogin, settings.config)) return;
  await saveRenderSettings(deps, key, settings, context.log);
  // The push that carried the new commits feeds them (and edits the comment); here the comment is
  // only re-rendered, which costs no call unless something it shows has changed.
  const result = await refreshPrComment(
    deps,
    { octokit: context.octokit as Octokit, owner: repo.owner, repo: repo.name, repoId: repo.id, prNumber: pr.number },
    { create: false },
  );
  context.log.debug({ pr: pr.number, result }, "Dash's PR comment refreshed after new commits");
}
