import { int, type Json, obj, str } from "../github/payload.js";
import type { PrInfo } from "../store/comment-store.js";

/** The pull request a `pull_request*` payload is about, or undefined when it has none. */
export function prOf(payload: Json): { number: number; info: PrInfo } | undefined {
  const pr = obj(payload.pull_request);
  const number = int(pr?.number);
  if (!pr || number === undefined) return undefined;
  const head = obj(pr.head);
  const updatedAt = Date.parse(str(pr.updated_at) ?? "");
  return {
    number,
    info: {
      authorLogin: str(obj(pr.user)?.login) ?? null,
      // A fork's PR has its head in another repository: pushes there never reach this one.
      headRepoId: int(obj(head?.repo)?.id) ?? null,
      headRef: str(head?.ref) ?? null,
      open: pr.state !== "closed",
      merged: pr.merged === true,
      ...(Number.isFinite(updatedAt) ? { stateAt: updatedAt } : {}),
      ...(payload.action === "closed" || payload.action === "reopened" ? { changesState: true } : {}),
    },
  };
}

/**
 * The open PRs of one branch a push feeds at most: a branch is normally the head of one PR, and a
 * push must not turn into a comment storm.
 */
export const MAX_PRS_PER_BRANCH = 10;

/** The branch a push went to (`refs/heads/<branch>`), or undefined for tags. */
export function pushedBranch(payload: Json): string | undefined {
  const ref = str(payload.ref);
  return ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
}
