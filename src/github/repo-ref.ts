import type { RepoRef } from "../store/store.js";
import { int, type Json, obj, str } from "./payload.js";

/** The repository and installation an event is about, or undefined when the payload lacks them. */
export function repoRefOf(payload: Json): RepoRef | undefined {
  const repo = obj(payload.repository);
  const id = int(repo?.id);
  const name = str(repo?.name);
  // Only the owner object: Probot's own lookups (the repo's config) read it, and fail without it.
  const owner = str(obj(repo?.owner)?.login) ?? str(obj(repo?.owner)?.name);
  if (!repo || id === undefined || !name || !owner) return undefined;
  return {
    id,
    owner,
    name,
    private: repo.private === true,
    installationId: int(obj(payload.installation)?.id) ?? null,
  };
}
