import type { AfterAnswer } from "../after-answer.js";
import type { Feeding } from "../domain/foods.js";
import { dayKey } from "../domain/time.js";
import type { FedEvent, FedListener } from "../github/feed-event.js";
import type { Json } from "../github/payload.js";
import type { PrKey } from "../store/comment-store.js";
import type { XpChange } from "../store/store.js";
import type { CommentDeps, Octokit } from "./deps.js";
import { prOf, pushedBranch } from "./pr-info.js";
import { quietPr } from "./quiet.js";
import { saveRenderSettings } from "./render-settings.js";
import { refreshPrComment } from "./upsert.js";

/** Runs a task after the delivery has been answered (see commentsFeature and after-answer.ts). */
export type Later = AfterAnswer["run"];

/**
 * Saves what a feeding gave to one PR, before the delivery is answered, and brings its comment up
 * to date afterwards: the comment is GitHub calls (which GitHub spaces out, seconds apart when many
 * PRs are busy), and a delivery that waited for them could reach Probot's 9-second "still
 * processing" answer. Should the process stop first, the next event of the PR renders the comment
 * from what was saved.
 */
async function feedPr(deps: CommentDeps, event: FedEvent, key: PrKey, later: Later): Promise<void> {
  const { outcome, settings, repo } = event;
  const users = repo.private ? await unchangedUsers(deps, outcome.applied) : outcome.users;
  await deps.comments.recordFeedings(key, outcome.applied, users, outcome.repo.xpBefore, deps.now().getTime());
  await saveRenderSettings(deps, key, settings, event.context.log);
  if (quietPr((await deps.comments.getPr(key))?.authorLogin ?? null, settings.config)) {
    event.context.log.debug({ pr: key.prNumber }, "no PR comment: the PR is a bot's or an ignored user's");
    return;
  }
  // Stored before the answer: should this process stop before the render, the next start makes it.
  await deps.comments.requestRefresh(key);
  const log = event.context.log;
  const target = {
    octokit: event.context.octokit as Octokit,
    owner: repo.owner,
    repo: repo.name,
    repoId: repo.id,
    prNumber: key.prNumber,
  };
  later(async () => {
    try {
      const result = await refreshPrComment(deps, target, { create: true });
      log.debug({ pr: key.prNumber, result }, "Dash's PR comment refreshed");
    } catch (err) {
      log.error(
        { err, pr: key.prNumber },
        "Dash's PR comment could not be brought up to date; the PR's next event retries",
      );
    }
  });
}

/**
 * The contributors of a feeding in a private repo, whose personal Dashes it did not feed (see
 * countsForUsers): listed in the comment all the same, at the level their public work earned.
 */
async function unchangedUsers(deps: CommentDeps, applied: readonly Feeding[]): Promise<XpChange[]> {
  const utcDay = dayKey(deps.now(), "UTC");
  const logins = new Map(applied.map((f) => [f.login.toLowerCase(), f.login]));
  return Promise.all(
    [...logins.values()].map(async (login) => {
      const xp = (await deps.store.getUserDash(login, { utcDay }))?.xp ?? 0;
      return { login, xpBefore: xp, xpAfter: xp };
    }),
  );
}

/**
 * The feeding listener of the sticky comment: a PR opened, reviewed or merged feeds that PR; a push
 * to a branch feeds the open PRs whose head is that branch (same-repository PRs; a fork's commits
 * never arrive as pushes here).
 */
export function commentOnFed(deps: CommentDeps, later: Later): FedListener {
  // A push's open PRs, looked up while the push is being stored (see FedListener.prepare).
  const openPrs = new WeakMap<object, Promise<number[]>>();
  const lookUp = (repoId: number, branch: string) => deps.comments.openPrsForBranch(repoId, repoId, branch);
  const listener: FedListener = async (event) => {
    const payload = event.context.payload as Json;
    if (event.trigger === "issues.opened") return;
    if (event.trigger === "push") {
      const branch = pushedBranch(payload);
      if (!branch || event.outcome.applied.length === 0) return;
      const prs = await (openPrs.get(event.context) ?? lookUp(event.repo.id, branch));
      for (const prNumber of prs) await feedPr(deps, event, { repoId: event.repo.id, prNumber }, later);
      return;
    }
    const pr = prOf(payload);
    if (!pr) return;
    const key = { repoId: event.repo.id, prNumber: pr.number };
    await deps.comments.trackPr(key, pr.info, deps.now().getTime());
    await feedPr(deps, event, key, later);
  };
  listener.prepare = (context, trigger, repo) => {
    const branch = trigger === "push" ? pushedBranch(context.payload as Json) : undefined;
    if (!branch) return;
    const prs = lookUp(repo.id, branch);
    // Awaited by the listener; if the feeding fails first, nobody does.
    prs.catch(() => undefined);
    openPrs.set(context, prs);
  };
  return listener;
}
