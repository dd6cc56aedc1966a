import type { Logger } from "pino";
import type { RepoSettings } from "../github/repo-settings.js";
import type { PrKey } from "../store/comment-store.js";
import type { CommentDeps } from "./deps.js";

/**
 * Saves the repo settings a PR's comment is rendered with (language, comment mode, config problems),
 * so later re-renders (a voice reaction) need no GitHub call. Problems in `.github/dash.yml` are
 * logged when a PR first shows them, not on every event.
 */
export async function saveRenderSettings(
  deps: Pick<CommentDeps, "comments">,
  key: PrKey,
  settings: RepoSettings,
  log: Pick<Logger, "warn">,
): Promise<void> {
  const { problems } = settings;
  if (problems.length > 0) {
    const before = await deps.comments.getPr(key);
    if (JSON.stringify(before?.problems ?? []) !== JSON.stringify(problems)) {
      log.warn({ pr: key.prNumber, problems }, "`.github/dash.yml` has problems: their defaults are used");
    }
  }
  await deps.comments.setRenderSettings(key, {
    locale: settings.config.locale,
    mode: settings.config.comment,
    problems,
  });
}
