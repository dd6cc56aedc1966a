import nock from "nock";
import { describe, expect, it, vi } from "vitest";
import { refreshStaleComments } from "../../src/comments/stale.js";
import { refreshPrComment } from "../../src/comments/upsert.js";
import type { PrInfo } from "../../src/store/comment-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef } from "../../src/store/store.js";
import { signal } from "../helpers/signal.js";
import { forEachStore } from "../helpers/stores.js";
import {
  API,
  appComment,
  depsFor,
  feed,
  mockCreateComment,
  mockListComments,
  mockUpdateComment,
  NOW,
  type Recorder,
  testOctokit,
} from "./helpers.js";

const repo: RepoRef = { id: 500, owner: "dart-lang", name: "dash", private: false, installationId: 1 };
const key = { repoId: 500, prNumber: 7 };
const info: PrInfo = { authorLogin: "alice", headRepoId: 500, headRef: "feature", open: true, merged: false };
const target = () => ({ octokit: testOctokit(), owner: "dart-lang", repo: "dash", repoId: 500, prNumber: 7 });

/**
 * Two processes on one database with a PR that its opening fed; the second one's clock is past the
 * first one's lease (60 s), as when GitHub keeps the first waiting that long.
 */
async function leaseOutlivedBySecond(db: { openStore(): Promise<SqlStore> }) {
  const first = depsFor(await db.openStore());
  const second = depsFor(await db.openStore(), { now: () => new Date(NOW.getTime() + 61_000) });
  await openedPr(first);
  return { first, second };
}

/** PR 7 opened by alice, fed and tracked, with no comment yet. */
async function openedPr(deps: ReturnType<typeof depsFor>) {
  const opened = await feed(deps.store as never, repo, [
    { login: "alice", food: "mapo_tofu", count: 2, sourceKey: "pr-opened:1" },
  ]);
  await deps.comments.trackPr(key, info);
  await deps.comments.setRenderSettings(key, { locale: "en", mode: "always", problems: [] });
  await deps.comments.recordFeedings(key, opened.applied, opened.users, opened.repo.xpBefore);
}

/**
 * A POST of Dash's comment that GitHub holds until `gate` fires, then answers with comment `id`;
 * `posting` fires when the request arrives.
 */
function heldPost(id: number) {
  const posting = signal();
  const gate = signal();
  nock(API)
    .post("/repos/dart-lang/dash/issues/7/comments")
    .reply(201, async () => {
      posting.fire();
      await gate.promise;
      return { id };
    });
  return { posting, gate };
}

describe("CommentStore and the comment upsert on both databases", () => {
  forEachStore((_kind, open, fresh) => {
    it("keeps a PR's tally exactly once per feeding source, and the lowest starting points", async () => {
      const store = await open();
      const { comments } = depsFor(store);
      await comments.trackPr(key, info);
      const opened = { login: "alice", food: "mapo_tofu" as const, count: 2, sourceKey: "pr-opened:1" };
      await comments.recordFeedings(key, [opened], [{ login: "alice", xpBefore: 40, xpAfter: 60 }], 100);
      await comments.recordFeedings(key, [opened], [{ login: "Alice", xpBefore: 30, xpAfter: 50 }], 90);
      await comments.recordFeedings(
        key,
        [{ login: "bob", food: "tteokbokki", count: 1, sourceKey: "review:9" }],
        [{ login: "bob", xpBefore: 0, xpAfter: 10 }],
        120,
      );
      expect(await comments.tally(key)).toEqual([
        { login: "alice", food: "mapo_tofu", count: 2 },
        { login: "bob", food: "tteokbokki", count: 1 },
      ]);
      expect(await comments.contributors(key)).toEqual([
        { login: "alice", xpStart: 30 },
        { login: "bob", xpStart: 0 },
      ]);
      expect(await comments.getPr(key)).toMatchObject({ repoXpStart: 90, authorLogin: "alice", open: true });
    });

    it("finds the open PRs of a pushed branch, never a fork's or a closed one", async () => {
      const store = await open();
      const { comments } = depsFor(store);
      await comments.trackPr({ repoId: 500, prNumber: 1 }, info);
      await comments.trackPr({ repoId: 500, prNumber: 2 }, { ...info, headRepoId: 999 });
      await comments.trackPr({ repoId: 500, prNumber: 3 }, { ...info, open: false, merged: true });
      await comments.trackPr({ repoId: 500, prNumber: 4 }, { ...info, headRef: "other" });
      expect(await comments.openPrsForBranch(500, 500, "feature")).toEqual([1]);
      // A merged PR stays merged, and closed, even if a later payload (a review delivered after the
      // merge) says otherwise: pushes to its branch then feed no closed PR.
      await comments.trackPr({ repoId: 500, prNumber: 3 }, { ...info, open: true, merged: false });
      expect(await comments.getPr({ repoId: 500, prNumber: 3 })).toMatchObject({ merged: true, open: false });
      expect(await comments.openPrsForBranch(500, 500, "feature")).toEqual([1]);
    });

    it("takes a PR's open or closed state from the newest payload, whatever order they arrive in", async () => {
      const store = await open();
      const { comments } = depsFor(store);
      const pr = { repoId: 500, prNumber: 8 };
      const at = (iso: string) => Date.parse(iso);
      const state = async () => ((await comments.getPr(pr))?.open ? "open" : "closed");
      await comments.trackPr(pr, { ...info, stateAt: at("2026-05-01T10:00:00Z") });
      await comments.trackPr(pr, { ...info, open: false, stateAt: at("2026-05-01T12:00:00Z") });
      // A review of the morning, redelivered after the PR was closed (not merged), says "open".
      await comments.trackPr(pr, { ...info, stateAt: at("2026-05-01T11:00:00Z") });
      expect(await state()).toBe("closed");
      expect(await comments.openPrsForBranch(500, 500, "feature")).toEqual([]);
      // Closed and reviewed in the same second: closed.
      await comments.trackPr(pr, { ...info, stateAt: at("2026-05-01T12:00:00Z") });
      expect(await state()).toBe("closed");
      // Reopened later: open, and the close redelivered after that does not close it again.
      await comments.trackPr(pr, { ...info, stateAt: at("2026-05-02T09:00:00Z") });
      await comments.trackPr(pr, { ...info, open: false, stateAt: at("2026-05-01T12:00:00Z") });
      expect(await state()).toBe("open");
      expect(await comments.openPrsForBranch(500, 500, "feature")).toEqual([8]);
      // Closed and reopened in the same second (to rerun CI): the reopening itself wins the tie.
      await comments.trackPr(pr, { ...info, open: false, changesState: true, stateAt: at("2026-05-03T09:00:00Z") });
      await comments.trackPr(pr, { ...info, changesState: true, stateAt: at("2026-05-03T09:00:00Z") });
      expect(await state()).toBe("open");
      // A payload without a time (none of GitHub's) still counts, as before the times were kept.
      await comments.trackPr(pr, { ...info, open: false });
      expect(await state()).toBe("closed");
    });

    it("answers concurrent branch lookups from one query, each with its own PRs", async () => {
      const store = await open();
      const { comments } = depsFor(store);
      for (let pr = 1; pr <= 12; pr++) await comments.trackPr({ repoId: 500, prNumber: pr }, info);
      await comments.trackPr({ repoId: 500, prNumber: 20 }, { ...info, headRef: "other" });
      await comments.trackPr({ repoId: 501, prNumber: 30 }, { ...info, headRepoId: 501 });
      await comments.trackPr({ repoId: 501, prNumber: 31 }, { ...info, headRepoId: 501, open: false });
      const queries = vi.spyOn(store.db, "query");
      // Started together, so they are looked up as one batch (duplicates and misses included).
      const found = await Promise.all([
        comments.openPrsForBranch(500, 500, "feature"),
        comments.openPrsForBranch(500, 500, "other"),
        comments.openPrsForBranch(501, 501, "feature"),
        comments.openPrsForBranch(500, 500, "other"),
        comments.openPrsForBranch(500, 501, "feature"),
        comments.openPrsForBranch(502, 502, "feature"),
        comments.openPrsForBranch(500, 500, "feature' OR 1=1 --"),
      ]);
      expect(found).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [20], [30], [20], [], [], []]);
      expect(queries).toHaveBeenCalledTimes(1);
      queries.mockRestore();
    });

    it("lease: one holder at a time, a refresh asked meanwhile keeps it rendering, an expired lease is taken over", async () => {
      const db = await fresh();
      const one = depsFor(await db.openStore()).comments;
      const two = depsFor(await db.openStore()).comments;
      await one.trackPr(key, info);
      await one.requestRefresh(key);
      const a = await one.acquire(key, "a", 1_000, 60_000);
      expect(a).toEqual({ owner: "a", gen: 1, tookOver: false });
      if (!a) return;
      await two.requestRefresh(key);
      expect(await two.acquire(key, "b", 2_000, 60_000)).toBeNull();
      expect(await one.release(key, a)).toEqual({ released: false, gen: 2 });
      expect(await one.release(key, { owner: "a", gen: 2 })).toEqual({ released: true, gen: 2 });
      const b = await two.acquire(key, "b", 3_000, 60_000);
      // "a" let go: nobody can still be rendering.
      expect(b).toEqual({ owner: "b", gen: 2, tookOver: false });
      // "b" stalls past its lease; "c" takes over, and "b" letting go later changes nothing.
      const c = await one.acquire(key, "c", 64_000, 60_000);
      expect(c).toEqual({ owner: "c", gen: 2, tookOver: true });
      if (!b || !c) return;
      expect(await two.release(key, b)).toEqual({ released: true, gen: 2 });
      expect(await two.acquire(key, "d", 65_000, 60_000)).toBeNull();
      expect(await one.release(key, c)).toEqual({ released: true, gen: 2 });
    });

    it("after a stop between a feeding and its render, the next start edits the comment; once", async () => {
      const store = await open();
      const deps = depsFor(store, { now: () => new Date(NOW.getTime() + 60_000) });
      const pr = (prNumber: number, repoId = key.repoId) => ({ repoId, prNumber });
      const [old, leased, noComment, deleted, gone] = [pr(8), pr(9), pr(10), pr(11), pr(12)];
      const otherRepo: RepoRef = { ...repo, id: 501, name: "gone", installationId: 2 };
      const goneRepoPr = pr(13, 501);
      const opened = await feed(store, repo, [
        { login: "alice", food: "mapo_tofu", count: 2, sourceKey: "pr-opened:1" },
      ]);
      await feed(store, otherRepo, [{ login: "alice", food: "curry", count: 1, sourceKey: "c:1" }]);
      for (const k of [key, old, leased, noComment, deleted, gone, goneRepoPr]) {
        await deps.comments.trackPr(k, info, NOW.getTime());
        await deps.comments.setRenderSettings(k, { locale: "en", mode: "always", problems: [] });
      }
      const posted: Recorder = { bodies: [] };
      mockListComments("dart-lang", "dash", 7);
      mockCreateComment("dart-lang", "dash", 7, 4242, posted);
      await deps.comments.recordFeedings(key, opened.applied, opened.users, opened.repo.xpBefore, NOW.getTime());
      expect(await refreshPrComment(deps, target(), { create: true })).toBe("created");
      expect(await refreshStaleComments(deps, async () => testOctokit())).toEqual({ refreshed: 0, failed: 0 });

      // A review feeds the PR and asks for its render, then the process stops before the render.
      const reviewed = await feed(store, repo, [{ login: "bob", food: "tteokbokki", count: 1, sourceKey: "review:9" }]);
      await deps.comments.recordFeedings(key, reviewed.applied, reviewed.users, reviewed.repo.xpBefore, NOW.getTime());
      await deps.comments.requestRefresh(key);
      // The same for others: one whose comment was not posted yet (posted now, as its feeding would
      // have); left alone: fed more than a day ago, being rendered now, a comment someone deleted; and
      // two tried but not marked deleted: a repo that left the installation (404) and one whose
      // installation GitHub no longer gives a token for.
      for (const [k, id] of [
        [old, 78],
        [leased, 79],
        [noComment, null],
        [deleted, 80],
        [gone, 81],
        [goneRepoPr, 82],
      ] as const) {
        await deps.comments.recordFeedings(k, reviewed.applied, reviewed.users, 0, k === old ? 0 : NOW.getTime());
        await deps.comments.requestRefresh(k);
        await store.db.query(
          "UPDATE dash_prs SET comment_id = $1, comment_deleted = $2 WHERE repo_id = $3 AND pr_number = $4",
          [id, k === deleted ? 1 : 0, k.repoId, k.prNumber],
        );
      }
      expect(await deps.comments.acquire(leased, "elsewhere", NOW.getTime(), 10 * 60_000)).not.toBeNull();

      const patched: Recorder = { bodies: [] };
      mockUpdateComment("dart-lang", "dash", 4242, patched);
      const firstPost: Recorder = { bodies: [] };
      mockListComments("dart-lang", "dash", noComment.prNumber);
      mockCreateComment("dart-lang", "dash", noComment.prNumber, 4343, firstPost);
      nock(API).patch("/repos/dart-lang/dash/issues/comments/81").reply(404, { message: "Not Found" });
      const asked: number[] = [];
      const auth = async (installationId: number) => {
        asked.push(installationId);
        if (installationId === 2) throw Object.assign(new Error("Not Found"), { status: 404 });
        return testOctokit();
      };
      expect(await refreshStaleComments(deps, auth)).toEqual({ refreshed: 2, failed: 2 });
      expect(asked.sort()).toEqual([1, 2]);
      expect((patched.bodies[0] as { body: string }).body).toContain("| bob |");
      expect((firstPost.bodies[0] as { body: string }).body).toContain("| bob |");
      expect(await deps.comments.getPr(noComment)).toMatchObject({ commentId: 4343 });
      expect(await deps.comments.getPr(gone)).toMatchObject({ commentId: 81, commentDeleted: false });
      // Rendered now: the next sweep finds only the two it could not reach.
      nock(API).patch("/repos/dart-lang/dash/issues/comments/81").reply(404, { message: "Not Found" });
      expect(await refreshStaleComments(deps, auth)).toEqual({ refreshed: 0, failed: 2 });
      // An uninstalled repo is not even tried.
      await store.setInstalled([otherRepo.id], false);
      nock(API).patch("/repos/dart-lang/dash/issues/comments/81").reply(404, { message: "Not Found" });
      expect(await refreshStaleComments(deps, auth)).toEqual({ refreshed: 0, failed: 1 });
      expect(nock.pendingMocks()).toEqual([]);
    });

    it("two processes, two events for one PR at once: one POST, then one PATCH with both", async () => {
      const db = await fresh();
      const first = depsFor(await db.openStore());
      const second = depsFor(await db.openStore());
      await openedPr(first);

      const posted: Recorder = { bodies: [] };
      const patched: Recorder = { bodies: [] };
      const postReached = signal();
      const gate = signal();
      mockListComments("dart-lang", "dash", 7);
      nock(API)
        .post("/repos/dart-lang/dash/issues/7/comments")
        .reply(201, async (request: Request) => {
          posted.bodies.push(await request.json());
          postReached.fire();
          await gate.promise;
          return { id: 4242 };
        });
      mockUpdateComment("dart-lang", "dash", 4242, patched);

      const running = refreshPrComment(first, target(), { create: true });
      await postReached.promise;
      const reviewed = await feed(second.store as never, repo, [
        { login: "bob", food: "tteokbokki", count: 1, sourceKey: "review:9" },
      ]);
      await second.comments.recordFeedings(key, reviewed.applied, reviewed.users, reviewed.repo.xpBefore);
      expect(await refreshPrComment(second, target(), { create: true })).toBe("queued");
      gate.fire();
      expect(await running).toBe("created");

      const postBody = (posted.bodies[0] as { body: string }).body;
      const patchBody = (patched.bodies[0] as { body: string }).body;
      expect(posted.bodies).toHaveLength(1);
      expect(postBody).toContain("| alice | 2 ⬆️ level up! | +20 XP |");
      expect(postBody).not.toContain("bob");
      expect(patched.bodies).toHaveLength(1);
      expect(patchBody).toContain("2 × mapo tofu, 1 × tteokbokki → **+30 XP**");
      expect(patchBody).toContain("| bob | 1 | +10 XP |");
      expect(await second.comments.getPr(key)).toMatchObject({ commentId: 4242 });
    });

    it("a holder whose lease ran out while GitHub kept it waiting writes nothing; the one that took over posts once", async () => {
      const { first, second } = await leaseOutlivedBySecond(await fresh());

      const listed = signal();
      const gate = signal();
      nock(API)
        .get("/repos/dart-lang/dash/issues/7/comments")
        .query({ per_page: "100" })
        .reply(200, async () => {
          listed.fire();
          await gate.promise;
          return [];
        });
      mockListComments("dart-lang", "dash", 7);
      const posted: Recorder = { bodies: [] };
      mockCreateComment("dart-lang", "dash", 7, 4243, posted);
      // Having taken over a lease that ran out, the second holder looks again once it has posted.
      const lookedAgain = mockListComments("dart-lang", "dash", 7, [appComment(4243, "<!-- repositori:dash -->x")]);
      const secondPost = mockCreateComment("dart-lang", "dash", 7, 4244, posted);

      const stalled = refreshPrComment(first, target(), { create: true });
      await listed.promise;
      expect(await refreshPrComment(second, target(), { create: true })).toBe("created");
      gate.fire();
      expect(await stalled).toBe("queued");
      expect(posted.bodies).toHaveLength(1);
      expect(lookedAgain.isDone()).toBe(true);
      expect(secondPost.isDone()).toBe(false);
      expect(await first.comments.getPr(key)).toMatchObject({ commentId: 4243 });
      nock.cleanAll();
    });

    /**
     * The first holder's POST (of comment `mine`) is held by GitHub past its lease; meanwhile the
     * second holder finds no comment and posts `theirs`. `listAfter` mocks what the first one lists
     * once its POST is answered. It must delete its own comment; returns the first holder.
     */
    const postHeldPastLease = async (mine: number, theirs: number, listAfter: () => void) => {
      const { first, second } = await leaseOutlivedBySecond(await fresh());
      mockListComments("dart-lang", "dash", 7);
      const { posting, gate } = heldPost(mine);
      mockListComments("dart-lang", "dash", 7);
      const posted: Recorder = { bodies: [] };
      mockCreateComment("dart-lang", "dash", 7, theirs, posted);
      // The second holder looks again once it has posted (it took over a lease that ran out): the
      // first one's POST has not been answered yet, and GitHub shows only the second one's comment.
      mockListComments("dart-lang", "dash", 7, [appComment(theirs, "<!-- repositori:dash -->x")]);
      listAfter();
      const deleted = nock(API).delete(`/repos/dart-lang/dash/issues/comments/${mine}`).reply(204);

      const stalled = refreshPrComment(first, target(), { create: true });
      await posting.promise;
      expect(await refreshPrComment(second, target(), { create: true })).toBe("created");
      gate.fire();
      expect(await stalled).toBe("queued");
      expect(deleted.isDone()).toBe(true);
      expect(posted.bodies).toHaveLength(1);
      expect(nock.pendingMocks()).toEqual([]);
      return first;
    };

    it("a holder whose POST GitHub held past its lease deletes its comment when the new holder posted one", async () => {
      const first = await postHeldPastLease(5000, 5001, () =>
        mockListComments("dart-lang", "dash", 7, [
          appComment(5001, "<!-- repositori:dash -->x"),
          appComment(5000, "<!-- repositori:dash -->y"),
        ]),
      );
      expect(await first.comments.getPr(key)).toMatchObject({ commentId: 5001 });
    });

    it("a holder whose lease ran out finds the new holder's comment on a later page of a long PR", async () => {
      await postHeldPastLease(6000, 6001, () => {
        // A hundred people's comments fill the first page; the other holder's is on the second.
        const people = Array.from({ length: 100 }, (_, i) => ({
          id: 100 + i,
          body: "lgtm",
          user: { login: `dev${i}`, type: "User" },
        }));
        nock(API)
          .get("/repos/dart-lang/dash/issues/7/comments")
          .query({ per_page: "100" })
          .reply(200, people, {
            link: `<${API}/repos/dart-lang/dash/issues/7/comments?per_page=100&page=2>; rel="next"`,
          });
        nock(API)
          .get("/repos/dart-lang/dash/issues/7/comments")
          .query({ per_page: "100", page: "2" })
          .reply(200, [appComment(6001, "<!-- repositori:dash -->x"), appComment(6000, "<!-- repositori:dash -->y")]);
      });
    });

    it("a holder that took over removes the comment its predecessor posted after both had looked", async () => {
      const { first, second } = await leaseOutlivedBySecond(await fresh());
      // Both look before either comment exists; the first one's POST is answered while the second's
      // is still on its way, so the first one looks again, sees only its own, and keeps it.
      mockListComments("dart-lang", "dash", 7);
      const firstPost = heldPost(7000);
      mockListComments("dart-lang", "dash", 7);
      const secondPost = heldPost(7001);
      mockListComments("dart-lang", "dash", 7, [appComment(7000, "<!-- repositori:dash -->y")]);
      mockListComments("dart-lang", "dash", 7, [
        appComment(7000, "<!-- repositori:dash -->y"),
        appComment(7001, "<!-- repositori:dash -->x"),
      ]);
      const deleted = nock(API).delete("/repos/dart-lang/dash/issues/comments/7000").reply(204);

      const stalled = refreshPrComment(first, target(), { create: true });
      await firstPost.posting.promise;
      const taking = refreshPrComment(second, target(), { create: true });
      await secondPost.posting.promise;
      firstPost.gate.fire();
      expect(await stalled).toBe("queued");
      expect(deleted.isDone()).toBe(false);
      secondPost.gate.fire();
      expect(await taking).toBe("created");
      expect(deleted.isDone()).toBe(true);
      expect(nock.pendingMocks()).toEqual([]);
      expect(await second.comments.getPr(key)).toMatchObject({ commentId: 7001 });
    });

    it("a holder that did not take over a lease does not look again after posting", async () => {
      const db = await fresh();
      const deps = depsFor(await db.openStore());
      await openedPr(deps);
      const listed = mockListComments("dart-lang", "dash", 7);
      mockCreateComment("dart-lang", "dash", 7, 7100, { bodies: [] });
      // One look before posting, and no GitHub call more than that.
      expect(await refreshPrComment(deps, target(), { create: true })).toBe("created");
      expect(listed.isDone()).toBe(true);
      expect(nock.pendingMocks()).toEqual([]);
    });

    it("a burst of refreshes from two processes still makes exactly one comment, showing everything", async () => {
      const db = await fresh();
      const stores = [depsFor(await db.openStore()), depsFor(await db.openStore())];
      const [first] = stores;
      if (!first) return;
      await first.comments.trackPr(key, info);
      await first.comments.setRenderSettings(key, { locale: "en", mode: "always", problems: [] });
      const logins = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"];
      const outcomes = [];
      for (const login of logins) {
        outcomes.push(
          await feed(first.store as never, repo, [{ login, food: "curry", count: 1, sourceKey: `c:${login}` }]),
        );
      }
      const posted: Recorder = { bodies: [] };
      const patched: Recorder = { bodies: [] };
      mockListComments("dart-lang", "dash", 7);
      mockCreateComment("dart-lang", "dash", 7, 5151, posted);
      // How many edits follow depends on how the burst interleaves; the count of comments does not.
      nock(API)
        .patch("/repos/dart-lang/dash/issues/comments/5151")
        .optionally()
        .times(logins.length)
        .reply(200, async (request: Request) => {
          patched.bodies.push(await request.json());
          return { id: 5151 };
        });
      const results = await Promise.all(
        outcomes.map(async (o, i) => {
          const deps = stores[i % 2] ?? first;
          await deps.comments.recordFeedings(key, o.applied, o.users, o.repo.xpBefore);
          return refreshPrComment(deps, target(), { create: true });
        }),
      );
      expect(posted.bodies).toHaveLength(1);
      expect(results.filter((r) => r === "created")).toHaveLength(1);
      const last = ([...posted.bodies, ...patched.bodies].at(-1) as { body: string }).body;
      expect(last).toContain("**This PR fed Dash:** 8 × curry → **+80 XP**");
      for (const login of logins) expect(last).toContain(`| ${login} |`);
      expect(await refreshPrComment(first, target(), { create: true })).toBe("unchanged");
    });
  });
});
