import type { CommentDeps, PrTarget } from "./deps.js";
import type { PrReaction } from "./model.js";
import { type RefreshResult, refreshPrComment } from "./upsert.js";

/**
 * Shows Dash's spoken reaction in a PR's sticky comment (null removes it): stores it with the PR and
 * re-renders, editing the comment in place. Returns "skipped" when Dash does not follow this PR.
 */
export async function setPrReaction(
  deps: CommentDeps,
  target: PrTarget,
  reaction: PrReaction | null,
): Promise<RefreshResult> {
  const known = await deps.comments.setReaction({ repoId: target.repoId, prNumber: target.prNumber }, reaction);
  if (!known) return "skipped";
  return refreshPrComment(deps, target, { create: true });
}
