import type { CommentDeps, Octokit } from "./deps.js";
import { refreshPrComment } from "./upsert.js";

/** How far back a start looks for comments left behind, and how many it brings up to date at most. */
const LOOK_BACK_MS = 24 * 60 * 60 * 1000;
const AT_MOST = 100;

/**
 * Brings up to date the PR comments a stopped process left behind: it had stored what a delivery fed
 * a PR and answered it, and stopped before the comment's render (see CommentStore.staleComments).
 * Run once at start. Only comments that exist are edited: one not posted yet is posted by the PR's
 * next event, which knows the repo's settings (who is ignored) first-hand.
 */
export async function refreshStaleComments(
  deps: CommentDeps,
  auth: (installationId: number) => Promise<Octokit>,
): Promise<{ refreshed: number; failed: number }> {
  const now = deps.now().getTime();
  const stale = await deps.comments.staleComments({ now, since: now - LOOK_BACK_MS, limit: AT_MOST });
  let refreshed = 0;
  let failed = 0;
  for (const pr of stale) {
    const where = `${pr.owner}/${pr.repo}#${pr.prNumber}`;
    try {
      const octokit = await auth(pr.installationId);
      await refreshPrComment(
        deps,
        { octokit, owner: pr.owner, repo: pr.repo, repoId: pr.repoId, prNumber: pr.prNumber },
        { create: false },
      );
      refreshed++;
    } catch (err) {
      failed++;
      deps.log.warn({ err, pr: where }, "a PR comment left behind by a stop could not be brought up to date");
    }
  }
  if (stale.length > 0) deps.log.info({ refreshed, failed }, "brought PR comments left behind by a stop up to date");
  return { refreshed, failed };
}
