import type { Context } from "probot";
import type { Store } from "../store/store.js";
import { type Json, str } from "./payload.js";
import { repoRefOf } from "./repo-ref.js";
import type { RepoSettingsCache } from "./repo-settings.js";

/** The `repository` actions that change what the repo row holds: visibility, name and owner. */
export const REPOSITORY_CHANGES = [
  "repository.privatized",
  "repository.publicized",
  "repository.renamed",
  "repository.transferred",
] as const;

/**
 * A known repo made private, public, renamed or moved: its row follows at once, so that a repo made
 * private stops showing its card and state to anyone without the badge token now, not from its next
 * push on. Repos the App has never stored are left alone (their first feeding stores them as they are).
 */
export async function recordRepositoryChange(
  context: Context,
  deps: { store: Store; settings: Pick<RepoSettingsCache, "accessChanged"> },
): Promise<void> {
  const payload = context.payload as Json;
  const repo = repoRefOf(payload);
  if (!repo) {
    context.log.debug("ignored: repository event without a repository");
    return;
  }
  const before = await deps.store.getRepoById(repo.id);
  if (!before) return;
  await deps.store.upsertRepo(repo);
  // Cards remembered for outages must not show it to anyone without the token from now on (told
  // even when a feeding stored the new visibility first, which does not tell).
  if (repo.private && (!before.private || str(payload.action) === "privatized")) deps.settings.accessChanged(repo.id);
  context.log.info({ repoId: repo.id, action: str(payload.action), private: repo.private }, "repository updated");
}
