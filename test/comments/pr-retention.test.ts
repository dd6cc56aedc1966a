import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { startPrRetention } from "../../src/comments/pr-retention.js";
import { CommentStore, type PrInfo, type PrKey } from "../../src/store/comment-store.js";
import { logSink } from "../helpers/log-sink.js";
import { forEachStore } from "../helpers/stores.js";

const NOW = new Date("2026-06-30T12:00:00Z").getTime();
const DAY = 24 * 3600 * 1000;
const info = (open: boolean): PrInfo => ({ authorLogin: "alice", headRepoId: 500, headRef: "f", open, merged: !open });
const pr = (prNumber: number): PrKey => ({ repoId: 500, prNumber });

/** A PR tracked and fed `daysAgo` days before NOW, open or closed. */
async function seedPr(comments: CommentStore, key: PrKey, open: boolean, daysAgo: number) {
  const at = NOW - daysAgo * DAY;
  await comments.trackPr(key, info(open), at);
  const feeding = { login: "alice", food: "curry" as const, count: 1, sourceKey: `commit:${key.prNumber}` };
  await comments.recordFeedings(key, [feeding], [{ login: "alice", xpBefore: 0, xpAfter: 10 }], 0, at);
}

const numbers = async (comments: CommentStore, table: string) =>
  (await comments.db.query<{ n: number | string }>(`SELECT pr_number AS n FROM ${table} ORDER BY pr_number`)).map((r) =>
    Number(r.n),
  );

describe("forgetting closed PRs", () => {
  forEachStore((_kind, open) => {
    it("forgets PRs closed longer than the cutoff with their tallies, a step at a time, and keeps everything else", async () => {
      const store = await open();
      const comments = new CommentStore(store.db);
      await seedPr(comments, pr(1), false, 200); // closed long ago: forgotten
      await seedPr(comments, pr(2), true, 400); // open, however old: kept
      await seedPr(comments, pr(3), false, 10); // closed recently: kept
      await seedPr(comments, pr(4), false, 200); // closed long ago, comment deleted: row kept, tally gone
      await seedPr(comments, pr(5), false, 200); // closed long ago, being rendered now: kept
      await seedPr(comments, pr(6), false, 181); // closed long ago: forgotten
      await store.db.query("UPDATE dash_prs SET comment_deleted = 1 WHERE pr_number = 4");
      await store.db.query("UPDATE dash_prs SET lease_owner = 'other', lease_until = $1 WHERE pr_number = 5", [
        NOW + 30_000,
      ]);

      // Each sweep's statements, as sent in its transaction.
      const texts: string[][] = [];
      const transaction = store.db.transaction.bind(store.db);
      const spy = vi.spyOn(store.db, "transaction").mockImplementation((fn) =>
        transaction((tx) => {
          const sent: string[] = [];
          texts.push(sent);
          const query: typeof tx.query = (text, params) => {
            sent.push(text);
            return tx.query(text, params);
          };
          return fn({ ...tx, query });
        }),
      );
      const cutoff = { before: NOW - 180 * DAY, now: NOW, limit: 2 };
      expect(await comments.forgetClosedPrs(cutoff)).toBe(2);
      expect(await comments.forgetClosedPrs(cutoff)).toBe(1);
      expect(await comments.forgetClosedPrs(cutoff)).toBe(0);
      spy.mockRestore();
      // Two PRs or one: the same statements (prepared once, whatever the number of PRs).
      expect(texts[0]).toHaveLength(4);
      expect(texts[1]).toEqual(texts[0]);
      expect(await numbers(comments, "dash_prs")).toEqual([2, 3, 4, 5]);
      expect(await numbers(comments, "dash_pr_feedings")).toEqual([2, 3, 5]);
      expect(await numbers(comments, "dash_pr_contributors")).toEqual([2, 3, 5]);
      expect((await comments.getPr(pr(4)))?.commentDeleted).toBe(true);

      // Reopened after it was forgotten: a new row, and a tally from the reopening on.
      await comments.trackPr(pr(1), { ...info(true), merged: false }, NOW);
      expect((await comments.getPr(pr(1)))?.open).toBe(true);
      expect(await comments.tally(pr(1))).toEqual([]);
    });

    it("sweeps on its own schedule, logs what it forgot, and a failing sweep is logged, not thrown", async () => {
      const store = await open();
      const comments = new CommentStore(store.db);
      for (const n of [1, 2, 3]) await seedPr(comments, pr(n), false, 30);
      const { sink, text } = logSink();
      const log = pino({ level: "info" }, sink);
      const retention = startPrRetention({
        comments,
        days: 7,
        log,
        now: () => new Date(NOW),
        firstAfterMs: 0,
        step: 2,
      });
      for (let i = 0; i < 200 && !text().includes("forgot PRs"); i++) await new Promise((r) => setTimeout(r, 10));
      await retention.stop();
      expect(JSON.parse(text().split("\n")[0] ?? "{}")).toMatchObject({ forgotten: 3, days: 7 });
      expect(await numbers(comments, "dash_prs")).toEqual([]);

      const broken = Object.assign(Object.create(CommentStore.prototype), {
        forgetClosedPrs: async () => {
          throw new Error("database unreachable");
        },
      }) as CommentStore;
      const failing = startPrRetention({ comments: broken, days: 7, log, now: () => new Date(NOW), firstAfterMs: 0 });
      for (let i = 0; i < 200 && !text().includes("could not forget"); i++) await new Promise((r) => setTimeout(r, 10));
      await failing.stop();
      expect(text()).toContain("could not forget old closed PRs (PR_RETENTION_DAYS)");
    });
  });
});
