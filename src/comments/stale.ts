import type { CommentDeps, Octokit } from "./deps.js";
import { refreshPrComment } from "./upsert.js";

/** How far back a start looks for comments left behind. */
const LOOK_BACK_MS = 24 * 60 * 60 * 1000;
/** Comments brought up to date at most per sweep, and per installation (GitHub spaces out writes). */
const AT_MOST = 100;
const AT_MOST_PER_INSTALLATION = 20;

/**
 * Brings up to date the PR comments a stopped process left behind: it had stored what a delivery fed
 * a PR and answered it, and stopped before the comment's render (see CommentStore.staleComments).
 * A comment not posted yet is posted, with the settings the feeding saved for the PR (its `comment`
 * mode, language), as that feeding would have: every refresh that saves a feeding is one that may
 * create the comment. An installation GitHub will not give a token for (removed meanwhile) is skipped
 * after one warning; a comment GitHub answers 404 for is left alone, not taken for deleted (its repo
 * may have left the installation). `stopped` ends the sweep between two PRs.
 */
export async function refreshStaleComments(
  deps: CommentDeps,
  auth: (installationId: number) => Promise<Octokit>,
  stopped: () => boolean = () => false,
): Promise<{ refreshed: number; failed: number }> {
  const now = deps.now().getTime();
  const stale = await deps.comments.staleComments({ now, since: now - LOOK_BACK_MS, limit: AT_MOST });
  const clients = new Map<number, Promise<Octokit | null>>();
  const perInstallation = new Map<number, number>();
  let refreshed = 0;
  let failed = 0;
  for (const pr of stale) {
    if (stopped()) break;
    const done = perInstallation.get(pr.installationId) ?? 0;
    if (done >= AT_MOST_PER_INSTALLATION) continue;
    perInstallation.set(pr.installationId, done + 1);
    let client = clients.get(pr.installationId);
    if (!client) {
      client = auth(pr.installationId).catch((err: unknown) => {
        deps.log.warn(
          { err, installationId: pr.installationId },
          "no token for an installation with PR comments left behind",
        );
        return null;
      });
      clients.set(pr.installationId, client);
    }
    const octokit = await client;
    if (!octokit) {
      failed++;
      continue;
    }
    const where = `${pr.owner}/${pr.repo}#${pr.prNumber}`;
    try {
      const result = await refreshPrComment(
        deps,
        { octokit, owner: pr.owner, repo: pr.repo, repoId: pr.repoId, prNumber: pr.prNumber },
        { create: true, notFoundIsDeleted: false },
      );
      if (result === "created" || result === "updated" || result === "unchanged") refreshed++;
    } catch (err) {
      failed++;
      deps.log.warn({ err, pr: where }, "a PR comment left behind by a stop could not be brought up to date");
    }
  }
  if (stale.length > 0) deps.log.info({ refreshed, failed }, "brought PR comments left behind by a stop up to date");
  return { refreshed, failed };
}
