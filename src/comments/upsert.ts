import { createHash, randomUUID } from "node:crypto";
import type { Lease, PrKey } from "../store/comment-store.js";
import { buildCommentModel } from "./build-model.js";
import type { CommentDeps, PrTarget } from "./deps.js";
import { dashComments, findDashComment } from "./find-comment.js";
import { renderComment } from "./render-comment.js";

/** What a refresh did: posted, edited, found nothing to change, left it to the current holder, or did nothing. */
export type RefreshResult = "created" | "updated" | "unchanged" | "queued" | "skipped";

/** Enough rounds for a burst of events; a holder that keeps being asked again lets the next event finish. */
const MAX_ROUNDS = 5;

/** When several rounds ran, the most telling outcome is reported. */
const RANK: Record<RefreshResult, number> = { skipped: 0, queued: 0, unchanged: 1, updated: 2, created: 3 };

const hashOf = (body: string) => createHash("sha256").update(body).digest("hex");

/**
 * The lease ran out while this holder was rendering (GitHub spaced out or rate-limited its calls)
 * and another one took it: that one renders now, so this one writes nothing more.
 */
class LeaseLost extends Error {
  override name = "LeaseLost";
}

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number })?.status;
}

/**
 * Brings a PR's sticky comment up to date: edits it in place, or creates it once (when `create` and
 * the repo's `comment` setting allow). Safe to call from any number of concurrent events and
 * processes: one caller renders while the others just leave a note that another render is needed
 * (see CommentStore), so the PR never gets two comments and the last state always lands.
 */
export async function refreshPrComment(
  deps: CommentDeps,
  target: PrTarget,
  opts: {
    create: boolean;
    /**
     * Whether an edit answered 404 means someone deleted the comment (true, the default: Dash then
     * stays quiet on the PR for good). The start-up sweep cannot tell that from a repo that left the
     * installation, and passes false.
     */
    notFoundIsDeleted?: boolean;
  },
): Promise<RefreshResult> {
  const key: PrKey = { repoId: target.repoId, prNumber: target.prNumber };
  await deps.comments.requestRefresh(key);
  let lease = await deps.comments.acquire(key, randomUUID(), deps.now().getTime(), deps.leaseMs);
  if (!lease) return "queued";
  let result: RefreshResult = "skipped";
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const step = await renderOnce(deps, target, lease, opts.create, opts.notFoundIsDeleted ?? true);
      if (RANK[step] > RANK[result]) result = step;
      const { released, gen } = await deps.comments.release(key, lease);
      if (released) return result;
      lease = { ...lease, gen };
    }
    await deps.comments.abandon(key, lease);
    return result;
  } catch (err) {
    if (err instanceof LeaseLost) return RANK[result] > RANK.queued ? result : "queued";
    await deps.comments.abandon(key, lease).catch(() => undefined);
    throw err;
  }
}

async function renderOnce(
  deps: CommentDeps,
  target: PrTarget,
  lease: Lease,
  create: boolean,
  notFoundIsDeleted: boolean,
): Promise<RefreshResult> {
  const key: PrKey = { repoId: target.repoId, prNumber: target.prNumber };
  const pr = await deps.comments.getPr(key);
  if (!pr || pr.mode === "off" || pr.commentDeleted) return "skipped";
  const model = await buildCommentModel(deps, pr);
  if (!model) return "skipped";
  const body = renderComment(model);
  const hash = hashOf(body);
  const where = { owner: target.owner, repo: target.repo };
  // Before each write to GitHub: the lease is still this holder's, for another full term.
  const holding = async () => {
    if (!(await deps.comments.renew(key, lease, deps.now().getTime(), deps.leaseMs))) throw new LeaseLost();
  };

  if (pr.commentId !== null) {
    if (pr.bodyHash === hash) return "unchanged";
    await holding();
    try {
      await target.octokit.rest.issues.updateComment({ ...where, comment_id: pr.commentId, body });
      await deps.comments.saveComment(key, lease, pr.commentId, hash);
      return "updated";
    } catch (err) {
      if (statusOf(err) !== 404 || !notFoundIsDeleted) throw err;
      // Someone deleted Dash's comment: respect that and stay quiet on this PR.
      deps.log.info({ pr: `${target.owner}/${target.repo}#${target.prNumber}` }, "Dash's comment was deleted");
      await deps.comments.markCommentDeleted(key, lease);
      return "skipped";
    }
  }

  // In `merged-only` repos the comment appears with the merge feast.
  if (!create || (pr.mode === "merged-only" && !pr.merged)) return "skipped";
  const found = await findDashComment(target.octokit, { ...where, prNumber: target.prNumber }, deps.appId);
  await holding();
  if (found) {
    if (found.body !== body) {
      await target.octokit.rest.issues.updateComment({ ...where, comment_id: found.id, body });
    }
    await deps.comments.saveComment(key, lease, found.id, hash);
    return "updated";
  }
  const { data } = await target.octokit.rest.issues.createComment({ ...where, issue_number: target.prNumber, body });
  if (!(await deps.comments.renew(key, lease, deps.now().getTime(), deps.leaseMs))) {
    // GitHub held the call past the lease, and another holder took over: it may have posted a
    // comment of its own meanwhile, which it keeps. This one then goes, so the PR has one.
    if ((await dashCommentsBut(target, deps.appId, data.id, { first: true })).length > 0) {
      await deleteComment(target, data.id);
    }
    throw new LeaseLost();
  }
  await deps.comments.saveComment(key, lease, data.id, hash);
  if (lease.tookOver) {
    // The holder before this one ran out of lease while rendering, and may have posted after this
    // one looked: it keeps its comment if it saw no other, so this one removes it.
    try {
      for (const id of await dashCommentsBut(target, deps.appId, data.id)) await deleteComment(target, id);
    } catch (err) {
      deps.log.warn(
        { err, pr: `${target.owner}/${target.repo}#${target.prNumber}` },
        "could not look for a second Dash comment",
      );
    }
  }
  return "created";
}

/** The ids of Dash's comments on the PR other than `except`, on any page (`first`: stops at one). */
async function dashCommentsBut(
  target: PrTarget,
  appId: number | null,
  except: number,
  opts: { first?: boolean } = {},
): Promise<number[]> {
  const where = { owner: target.owner, repo: target.repo, prNumber: target.prNumber };
  const ids: number[] = [];
  for await (const comment of dashComments(target.octokit, where, appId)) {
    if (comment.id === except) continue;
    ids.push(comment.id);
    if (opts.first) break;
  }
  return ids;
}

/** Deletes a comment of Dash's; one already gone (the other holder removed it) is fine. */
async function deleteComment(target: PrTarget, id: number): Promise<void> {
  try {
    await target.octokit.rest.issues.deleteComment({ owner: target.owner, repo: target.repo, comment_id: id });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}
