import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Feeding, FoodKind } from "../../src/domain/foods.js";
import { dayKey } from "../../src/domain/time.js";
import type { Db, Sql } from "../../src/store/db.js";
import { migrate } from "../../src/store/migrate.js";
import { allMigrations } from "../../src/store/open-store.js";
import { SqlStore } from "../../src/store/sql-store.js";
import type { FeedInput, RepoRef, Store } from "../../src/store/store.js";
import { canView } from "../../src/views/load-dash.js";
import { forEachStore } from "../helpers/stores.js";

const run = promisify(execFile);

/** `db`, with `after` awaited after each statement a transaction runs (before its rows are handed back). */
function withQueries(db: Db, after: (text: string) => Promise<void>): Db {
  const bound = <T extends object>(target: T, key: string | symbol) => {
    const value = Reflect.get(target, key, target) as unknown;
    return typeof value === "function" ? value.bind(target) : value;
  };
  const txWith = (tx: Sql): Sql =>
    new Proxy(tx, {
      get: (target, key) =>
        key === "query"
          ? async (text: string, params?: readonly unknown[]) => {
              const rows = await target.query(text, params);
              await after(text);
              return rows;
            }
          : bound(target, key),
    });
  return new Proxy(db, {
    get: (target, key) =>
      key === "transaction"
        ? <T>(fn: (tx: Sql) => Promise<T>) => target.transaction((tx) => fn(txWith(tx)))
        : bound(target, key),
  });
}

const AT = new Date("2024-05-01T12:00:00Z");
const repoA: RepoRef = { id: 101, owner: "dart-lang", name: "sdk", private: false, installationId: 7 };

let seq = 0;
const delivery = () => `delivery-${++seq}-${Math.random().toString(36).slice(2)}`;

function food(login: string, sourceKey: string, kind: FoodKind = "curry", count = 1): Feeding {
  return { login, food: kind, count, sourceKey };
}

/** A feeding input as the webhook pipeline builds it (default rules, UTC). */
function input(feedings: Feeding[], over: Partial<FeedInput> = {}): FeedInput {
  const at = over.at ?? AT;
  const tz = "UTC";
  return {
    deliveryId: delivery(),
    repo: repoA,
    feedings,
    at,
    day: dayKey(at, tz),
    utcDay: dayKey(at, "UTC"),
    dailyCap: 30,
    ...over,
  };
}

const board = async (store: Store, owner = repoA.owner, name = repoA.name, top = 10) =>
  store.getRepoDash(owner, name, { day: dayKey(AT, "UTC"), top });

forEachStore((name, open, fresh) => {
  describe("feeding", () => {
    it("credits the repo, the contributor and the personal Dash in one go", async () => {
      const store = await open();
      const out = await store.feed(
        input([food("Alice", "sha-1"), food("alice", "sha-2"), food("bob", "pr-1", "feast", 5)]),
      );
      expect(out.duplicateDelivery).toBe(false);
      expect(out.applied.reduce((n, f) => n + f.count, 0)).toBe(7);
      expect(out.repo).toEqual({ xpBefore: 0, xpAfter: 70, lastFedAtBefore: null });
      expect(out.users.map((u) => [u.login, u.xpBefore, u.xpAfter])).toEqual([
        ["Alice", 0, 20],
        ["bob", 0, 50],
      ]);
      const dash = await board(store);
      expect(dash?.xp).toBe(70);
      expect(dash?.foods).toBe(7);
      expect(dash?.foodsByKind).toEqual({ curry: 2, feast: 5 });
      expect(dash?.foodsToday).toBe(7);
      expect(dash?.lastFedAt?.toISOString()).toBe(AT.toISOString());
      const alice = await store.getUserDash("ALICE", { utcDay: dayKey(AT, "UTC") });
      expect(alice).toMatchObject({ xp: 20, foods: 2, foodsByKind: { curry: 2 }, foodsToday: 2 });
    });

    it("adds up a personal Dash across repos", async () => {
      const store = await open();
      await store.feed(input([food("carol", "sha-1")]));
      const other = { ...repoA, id: 202, name: "pub" };
      const out = await store.feed(input([food("Carol", "sha-1")], { repo: other }));
      expect(out.users).toEqual([{ login: "Carol", xpBefore: 10, xpAfter: 20 }]);
      expect((await store.getUserDash("carol", { utcDay: "2024-05-01" }))?.xp).toBe(20);
    });

    it("counts a personal Dash's foods today from the latest day it was fed, in batches too", async () => {
      const store = await open();
      const day1 = new Date("2024-05-01T23:59:00Z");
      const day2 = new Date("2024-05-02T00:01:00Z");
      const today = (utcDay: string) => store.getUserDash("fay", { utcDay }).then((d) => d?.foodsToday);
      await store.feed(input([food("fay", "d1-a", "curry", 2)], { at: day1 }));
      // One batch across midnight: day 2's foods are today's, day 1's count for the totals only.
      await Promise.all([
        store.feed(input([food("fay", "d1-b")], { at: day1 })),
        store.feed(input([food("fay", "d2-a", "ramen", 3)], { at: day2 })),
      ]);
      expect(await today("2024-05-02")).toBe(3);
      // A delivery of the day before, stored late, leaves today's foods alone.
      await store.feed(input([food("fay", "d1-c")], { at: day1 }));
      expect(await today("2024-05-02")).toBe(3);
      expect(await today("2024-05-03")).toBe(0);
      expect(await store.getUserDash("fay", { utcDay: "2024-05-02" })).toMatchObject({
        xp: 70,
        foods: 7,
        foodsByKind: { curry: 4, ramen: 3 },
      });
    });

    it("adds the foods a replica of the version before recorded per user and day and per user and kind", async () => {
      const store = await open();
      await store.feed(input([food("gil", "old-1"), food("gil", "old-2", "feast", 2)]));
      // What that version wrote for the same user and day, during a rolling upgrade.
      await store.db.query("INSERT INTO user_days (login_key, day, foods) VALUES ($1, $2, $3)", [
        "gil",
        "2024-05-01",
        4,
      ]);
      await store.db.query("INSERT INTO user_foods (login_key, food, count) VALUES ($1, $2, $3), ($1, $4, $5)", [
        "gil",
        "curry",
        3,
        "ramen",
        1,
      ]);
      expect(await store.getUserDash("gil", { utcDay: "2024-05-01" })).toMatchObject({
        foodsToday: 7,
        foodsByKind: { curry: 4, feast: 2, ramen: 1 },
      });
    });

    it("keeps work in private repos off personal Dashes, in batches too", async () => {
      const store = await open();
      const secret = { ...repoA, id: 303, name: "secret", private: true };
      const out = await store.feed(input([food("dave", "sha-1", "ramen", 2)], { repo: secret }));
      expect(out.applied.reduce((n, f) => n + f.count, 0)).toBe(2);
      expect(out.users).toEqual([]);
      expect((await board(store, secret.owner, secret.name))?.contributors).toEqual([
        { login: "dave", xp: 20, foods: 2 },
      ]);
      expect(await store.getUserDash("dave", { utcDay: "2024-05-01" })).toBeNull();
      // The repo's own Dash still counts what it ate, by kind.
      expect((await board(store, secret.owner, secret.name))?.foodsByKind).toEqual({ ramen: 2 });
      // The same contributor in a public repo, in one batch with more private work.
      const outs = await Promise.all([
        store.feed(input([food("dave", "sha-2")])),
        store.feed(input([food("dave", "sha-3", "feast", 3)], { repo: secret })),
      ]);
      expect(outs.map((o) => o.users)).toEqual([[{ login: "dave", xpBefore: 0, xpAfter: 10 }], []]);
      const dave = await store.getUserDash("dave", { utcDay: "2024-05-01" });
      expect(dave).toMatchObject({ xp: 10, foods: 1, foodsByKind: { curry: 1 }, foodsToday: 1 });
    });

    it("stores a delivery with more authors than one statement takes parameters", async () => {
      const store = await open();
      // 20,000 authors: four parameters a contributor would pass SQLite's 32,766 in one statement.
      const many = Array.from({ length: 20_000 }, (_, i) => food(`author-${i}`, `sha-${i}`));
      const out = await store.feed(input(many));
      expect(out.applied).toHaveLength(20_000);
      const dash = await board(store, repoA.owner, repoA.name, 1);
      expect(dash).toMatchObject({ xp: 200_000, foods: 20_000, contributorCount: 20_000 });
      // Again as a new delivery (the same sources, so it reads first): nothing more.
      const again = await store.feed(input(many));
      expect(again.applied).toEqual([]);
      expect(await board(store, repoA.owner, repoA.name, 1)).toMatchObject({ xp: 200_000, contributorCount: 20_000 });
    });

    it("counts every new contributor of a delivery with more than one statement's worth of them", async () => {
      const store = await open();
      // 300 authors: more than one counting statement takes (128), few enough to be sent together.
      const many = Array.from({ length: 300 }, (_, i) => food(`author-${i}`, `sha-${i}`));
      await store.feed(input(many));
      expect(await board(store, repoA.owner, repoA.name, 1)).toMatchObject({ xp: 3_000, contributorCount: 300 });
    });

    it("keeps the contributor count exact when a first feeding commits while an opt-out is under way", async () => {
      const db = await (await fresh()).openDb();
      await migrate(db, allMigrations);
      let feeding: Promise<unknown> | null = null;
      // The opt-out stops right after reading the contributor's row, until the feeding has committed
      // (or half a second has passed, should the feeding have to wait for the opt-out).
      const pausing = withQueries(db, async (text) => {
        if (feeding && /\bxp, opted_out\b/.test(text)) {
          await Promise.race([feeding, new Promise((done) => setTimeout(done, 500))]);
        }
      });
      const store = new SqlStore(pausing);
      await store.feed(input([food("seed", "sha-seed")]));
      const optOut = store.setOptOut(repoA.id, "late", true);
      feeding = store.feed(input([food("late", "sha-late")], { deliveryId: "late-1" }));
      await Promise.all([optOut, feeding]);
      const dash = await board(store, repoA.owner, repoA.name, 50);
      expect(dash?.xp).toBe(20);
      // "late" opted out: only "seed" counts, and is listed.
      expect(dash?.contributorCount).toBe(1);
      expect(dash?.contributors.map((c) => c.login)).toEqual(["seed"]);
    });

    it("returns null for unknown repos and users", async () => {
      const store = await open();
      expect(await board(store, "nobody", "nothing")).toBeNull();
      expect(await store.getUserDash("nobody", { utcDay: "2024-05-01" })).toBeNull();
      expect(await store.getRepoById(999)).toBeNull();
    });
  });

  describe("exactly once", () => {
    it("feeds a redelivered delivery id once", async () => {
      const store = await open();
      const first = input([food("alice", "sha-1"), food("alice", "sha-2")]);
      await store.feed(first);
      const again = await store.feed({ ...first, feedings: [food("alice", "sha-3")] });
      expect(again.duplicateDelivery).toBe(true);
      expect(again.applied).toEqual([]);
      // The Dash last ate in the first delivery: that is what the redelivery reports as its previous meal.
      expect(again.repo).toEqual({ xpBefore: 20, xpAfter: 20, lastFedAtBefore: AT });
      expect((await board(store))?.xp).toBe(20);
    });

    it("leaves a redelivery's sources unfed, also when it carries new ones, even in one batch with a new delivery", async () => {
      const store = await open();
      const first = input([food("alice", "sha-1")]);
      await store.feed(first);
      // Stored together: the redelivery (carrying sha-2 and sha-3 this time) and a new delivery with sha-2.
      const [again, other] = await Promise.all([
        store.feed({ ...first, feedings: [food("alice", "sha-1"), food("alice", "sha-2"), food("alice", "sha-3")] }),
        store.feed(input([food("bob", "sha-2")])),
      ]);
      expect(again?.duplicateDelivery).toBe(true);
      expect(again?.applied).toEqual([]);
      expect(other?.applied.map((f) => f.sourceKey)).toEqual(["sha-2"]);
      // sha-3 came only with the redelivery, which fed nothing: a later delivery carrying it still feeds.
      const later = await store.feed(input([food("carol", "sha-3")]));
      expect(later.applied.map((f) => f.sourceKey)).toEqual(["sha-3"]);
      expect((await board(store))?.xp).toBe(30);
    });

    it("feeds a source key once, whichever delivery carries it (same commit on two branches)", async () => {
      const store = await open();
      await store.feed(input([food("alice", "sha-1")]));
      const second = await store.feed(input([food("alice", "sha-1"), food("alice", "sha-2")]));
      expect(second.duplicateDelivery).toBe(false);
      expect(second.applied.map((f) => f.sourceKey)).toEqual(["sha-2"]);
      expect((await board(store))?.xp).toBe(20);
    });

    it("keeps source keys per repo: the same SHA feeds a fork's Dash too", async () => {
      const store = await open();
      await store.feed(input([food("alice", "sha-1")]));
      const fork = await store.feed(input([food("alice", "sha-1")], { repo: { ...repoA, id: 303, owner: "fork" } }));
      expect(fork.applied).toHaveLength(1);
    });

    it("records a delivery that fed nothing, so its redelivery is recognised", async () => {
      const store = await open();
      await store.feed(input([food("alice", "sha-1")]));
      const nothing = input([food("alice", "sha-1")]);
      expect((await store.feed(nothing)).applied).toEqual([]);
      expect((await store.feed(nothing)).duplicateDelivery).toBe(true);
    });
  });

  describe("daily cap", () => {
    it("caps a contributor at dailyCap foods per day and still marks the capped sources as eaten", async () => {
      const store = await open();
      const many = Array.from({ length: 35 }, (_, i) => food("alice", `sha-${i}`));
      const out = await store.feed(input(many));
      expect(out.applied.reduce((n, f) => n + f.count, 0)).toBe(30);
      // Other contributors have their own cap.
      expect((await store.feed(input([food("bob", "sha-b")]))).applied).toHaveLength(1);
      // The next day the capped commits do not feed again: they were eaten, just not credited.
      const tomorrow = new Date(AT.getTime() + 24 * 3600 * 1000);
      const later = await store.feed(input([food("alice", "sha-31"), food("alice", "sha-new")], { at: tomorrow }));
      expect(later.applied.map((f) => f.sourceKey)).toEqual(["sha-new"]);
      expect((await board(store))?.xp).toBe(320);
    });

    it("splits a multi-food credit at the cap", async () => {
      const store = await open();
      await store.feed(input(Array.from({ length: 28 }, (_, i) => food("alice", `sha-${i}`))));
      const merged = await store.feed(input([food("alice", "merge-1", "feast", 5)]));
      expect(merged.applied).toEqual([food("alice", "merge-1", "feast", 2)]);
    });

    it("counts the day in the repo's time zone", async () => {
      const store = await open();
      const tz = "Asia/Tokyo";
      // 14:30Z and 15:30Z are the same UTC day but two days in Tokyo (UTC+9).
      const lateTokyo = new Date("2024-05-01T14:30:00Z");
      const nextTokyoDay = new Date("2024-05-01T15:30:00Z");
      const feedAt = (at: Date, from: number) =>
        store.feed(
          input(
            Array.from({ length: 30 }, (_, i) => food("alice", `sha-${from + i}`)),
            { at, day: dayKey(at, tz), utcDay: dayKey(at, "UTC") },
          ),
        );
      expect((await feedAt(lateTokyo, 0)).applied).toHaveLength(30);
      expect((await feedAt(nextTokyoDay, 100)).applied).toHaveLength(30);
      // In UTC both were 2024-05-01: the same two batches would have fed 30 in all.
      const utcStore = await open();
      for (const [at, from] of [
        [lateTokyo, 0],
        [nextTokyoDay, 100],
      ] as const) {
        await utcStore.feed(
          input(
            Array.from({ length: 30 }, (_, i) => food("alice", `sha-${from + i}`)),
            { at, day: dayKey(at, "UTC") },
          ),
        );
      }
      expect((await board(store))?.xp).toBe(600);
      expect((await board(utcStore))?.xp).toBe(300);
    });
  });

  describe("batches", () => {
    // Deliveries that arrive together are stored in one transaction; each must get exactly the outcome
    // it would have had alone, in arrival order.
    function mixedDeliveries(): FeedInput[] {
      const repoB: RepoRef = { ...repoA, id: 202, name: "pub" };
      const first = input([food("Alice", "sha-1"), food("bob", "pr-1", "feast", 5)]);
      return [
        first,
        input([food("alice", "sha-2"), food("alice", "sha-1")]),
        { ...first, feedings: [food("carol", "sha-9")] },
        input([food("carol", "sha-3")], { repo: repoB }),
        input([food("alice", "sha-3")]),
        input([food("ALICE", "sha-4", "ramen", 2), food("dave", "sha-5")], { dailyCap: 4 }),
        input([food("alice", "sha-6"), food("alice", "sha-7")], {
          dailyCap: 4,
          display: {
            timezone: "UTC",
            hemisphere: "north",
            locale: "ja",
            name: "Dash",
            outfit: "auto",
            background: "auto",
          },
        }),
        input([food("bob", "sha-8")], { repo: repoB }),
        input([]),
      ];
    }

    it("gives every delivery of a batch the outcome it would have had alone", async () => {
      const one = await open();
      const batched = await open();
      const inputs = mixedDeliveries();
      const alone = [];
      for (const x of inputs) alone.push(await one.feed(x));
      const together = await Promise.all(inputs.map((x) => batched.feed(x)));
      expect(together).toEqual(alone);
      // The outcomes are the expected ones, not merely the same wrong ones twice.
      expect(alone.map((o) => o.duplicateDelivery)).toEqual([
        false,
        false,
        true,
        false,
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(alone.map((o) => o.applied.map((f) => `${f.login}:${f.sourceKey}:${f.count}`))).toEqual([
        ["Alice:sha-1:1", "bob:pr-1:5"],
        ["alice:sha-2:1"],
        [],
        ["carol:sha-3:1"],
        ["alice:sha-3:1"],
        ["ALICE:sha-4:1", "dave:sha-5:1"],
        [],
        ["bob:sha-8:1"],
        [],
      ]);
      expect(alone[4]?.repo).toEqual({ xpBefore: 70, xpAfter: 80, lastFedAtBefore: AT });
      expect(alone[5]?.users).toEqual([
        { login: "ALICE", xpBefore: 30, xpAfter: 40 },
        { login: "dave", xpBefore: 0, xpAfter: 10 },
      ]);
      for (const store of [one, batched]) {
        const dash = await board(store);
        expect(dash?.xp).toBe(100);
        expect(dash?.foodsByKind).toEqual({ curry: 4, feast: 5, ramen: 1 });
        expect(dash?.contributors.map((c) => [c.login, c.xp])).toEqual([
          ["bob", 50],
          ["ALICE", 40],
          ["dave", 10],
        ]);
        expect(dash?.contributorCount).toBe(3);
        expect((await board(store, repoA.owner, "pub"))?.xp).toBe(20);
        expect((await store.getUserDash("alice", { utcDay: "2024-05-01" }))?.foods).toBe(4);
      }
    });

    it("fails only the delivery that cannot be stored, not the others of its batch", async () => {
      const store = await open();
      const good = Array.from({ length: 5 }, (_, i) => input([food(`dev${i}`, `sha-${i}`)]));
      // A source key the schema refuses (NOT NULL): the statement holding it fails, and with it the batch.
      const bad = input([{ login: "mallory", food: "curry", count: 1, sourceKey: null as unknown as string }]);
      const results = await Promise.allSettled([...good.slice(0, 2), bad, ...good.slice(2)].map((x) => store.feed(x)));
      expect(results.map((r) => r.status)).toEqual([
        "fulfilled",
        "fulfilled",
        "rejected",
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      expect((await board(store))?.xp).toBe(50);
      // The failed delivery left nothing behind: sent again (fixed), it feeds.
      const retried = await store.feed({ ...bad, feedings: [food("mallory", "sha-m")] });
      expect(retried.duplicateDelivery).toBe(false);
      expect(retried.applied).toHaveLength(1);
    });
  });

  describe("concurrency", () => {
    it("loses no food when hundreds of deliveries feed one repo at once", async () => {
      const store = await open();
      const logins = Array.from({ length: 12 }, (_, i) => `dev${i}`);
      const inputs = Array.from({ length: 300 }, (_, i) => {
        const login = logins[i % logins.length] ?? "dev0";
        // Every fifth delivery repeats an earlier commit: it must feed nothing.
        const sha = i % 5 === 4 ? `sha-${i - 1}` : `sha-${i}`;
        // A cap high enough not to interfere: this test is about lost and doubled foods only.
        return input([food(login, sha), food(login === "dev0" ? "dev1" : "dev0", `review-${i}`, "tteokbokki")], {
          dailyCap: 1_000_000,
        });
      });
      // And every tenth delivery is also redelivered at the same time.
      const redeliveries = inputs.filter((_, i) => i % 10 === 0);
      const outcomes = await Promise.all([...inputs, ...redeliveries].map((x) => store.feed(x)));
      const fedSources = new Set<string>();
      for (const o of outcomes) for (const f of o.applied) fedSources.add(f.sourceKey);
      const expectedSources = new Set(inputs.flatMap((x) => x.feedings.map((f) => f.sourceKey)));
      expect(fedSources).toEqual(expectedSources);
      expect(outcomes.filter((o) => o.duplicateDelivery)).toHaveLength(redeliveries.length);
      // Each source feeds exactly once: total applied equals the number of distinct sources.
      const applied = outcomes.reduce((n, o) => n + o.applied.reduce((m, f) => m + f.count, 0), 0);
      expect(applied).toBe(expectedSources.size);
      const dash = await board(store, repoA.owner, repoA.name, 100);
      expect(dash?.foods).toBe(expectedSources.size);
      expect(dash?.xp).toBe(expectedSources.size * 10);
      const perLogin = new Map<string, number>();
      for (const o of outcomes)
        for (const f of o.applied) perLogin.set(f.login, (perLogin.get(f.login) ?? 0) + f.count);
      for (const c of dash?.contributors ?? []) expect(c.xp).toBe((perLogin.get(c.login) ?? 0) * 10);
      const users = await Promise.all(logins.map((l) => store.getUserDash(l, { utcDay: "2024-05-01" })));
      expect(users.reduce((n, u) => n + (u?.foods ?? 0), 0)).toBe(expectedSources.size);
    });

    it("lets concurrent first deliveries of new repos all succeed (two unique keys on repos)", async () => {
      const store = await open();
      const repos = Array.from({ length: 200 }, (_, i) => ({ ...repoA, id: 5000 + i, name: `new-${i}` }));
      const outcomes = await Promise.all(
        repos.flatMap((repo) =>
          Array.from({ length: 6 }, (_, j) => store.feed(input([food(`dev${j}`, `${repo.name}-${j}`)], { repo }))),
        ),
      );
      expect(outcomes.every((o) => o.applied.length === 1)).toBe(true);
      for (const r of repos) expect((await board(store, r.owner, r.name))?.xp).toBe(60);
    });

    it("keeps the daily cap exact under concurrency", async () => {
      const store = await open();
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) => store.feed(input([food("alice", `sha-${i}`)]))),
      );
      expect(outcomes.reduce((n, o) => n + o.applied.length, 0)).toBe(30);
      expect((await board(store))?.xp).toBe(300);
    });

    it("feeds many repos with shared contributors at once without deadlocking", async () => {
      const store = await open();
      const repos = Array.from({ length: 8 }, (_, i) => ({ ...repoA, id: 1000 + i, name: `repo${i}` }));
      const logins = ["ann", "ben", "cat", "dan"];
      await Promise.all(
        Array.from({ length: 160 }, (_, i) => {
          const repo = repos[i % repos.length] ?? repoA;
          // Each delivery credits the same logins in a different order.
          const order = i % 2 === 0 ? logins : [...logins].reverse();
          return store.feed(
            input(
              order.map((l) => food(l, `${l}-${i}`)),
              { repo },
            ),
          );
        }),
      );
      for (const l of logins) expect((await store.getUserDash(l, { utcDay: "2024-05-01" }))?.foods).toBe(160);
      for (const r of repos) expect((await board(store, r.owner, r.name))?.foods).toBe(80);
    });
  });

  describe("leaderboard", () => {
    it("orders by XP, then login, and leaves opted-out contributors out", async () => {
      const store = await open();
      await store.feed(input([food("zed", "a1"), food("zed", "a2"), food("amy", "b1"), food("Bob", "c1")]));
      await store.feed(input([food("carl", "d1", "feast", 5)]));
      let dash = await board(store);
      expect(dash?.contributors.map((c) => c.login)).toEqual(["carl", "zed", "amy", "Bob"]);
      expect(dash?.contributorCount).toBe(4);
      await store.setOptOut(repoA.id, "ZED", true);
      expect(await store.isOptedOut(repoA.id, "zed")).toBe(true);
      dash = await board(store);
      expect(dash?.contributors.map((c) => c.login)).toEqual(["carl", "amy", "Bob"]);
      expect(dash?.contributorCount).toBe(3);
      // Opting out hides the contributor, it does not take food away from the repo's Dash.
      expect(dash?.xp).toBe(90);
      await store.setOptOut(repoA.id, "zed", false);
      expect((await board(store))?.contributors.map((c) => c.login)).toEqual(["carl", "zed", "amy", "Bob"]);
      // Opting in again, twice, or opting in someone who never fed keeps the count exact.
      await store.setOptOut(repoA.id, "zed", false);
      await store.setOptOut(repoA.id, "never-fed", false);
      await store.setOptOut(repoA.id, "never-fed", true);
      dash = await board(store);
      expect(dash?.contributorCount).toBe(4);
      expect(dash?.contributors.map((c) => c.login)).toEqual(["carl", "zed", "amy", "Bob"]);
    });

    it("counts a contributor from their first XP: once, in any batch, also when opted in before", async () => {
      const store = await open();
      await store.upsertRepo(repoA);
      await store.setOptOut(repoA.id, "early", false);
      // One batch: a newcomer twice, a newcomer opted in beforehand, and one who fed before.
      await store.feed(input([food("old", "o1")]));
      await Promise.all([
        store.feed(input([food("new", "n1"), food("early", "e1")])),
        store.feed(input([food("new", "n2"), food("old", "o2")])),
      ]);
      expect((await board(store))?.contributorCount).toBe(3);
      await store.feed(input([food("early", "e2"), food("new", "n3")]));
      expect((await board(store))?.contributorCount).toBe(3);
    });

    it("keeps an opt-out made before the first feeding, and limits the board to `top`", async () => {
      const store = await open();
      await store.upsertRepo(repoA);
      await store.setOptOut(repoA.id, "shy", true);
      await store.feed(input([food("shy", "s1"), food("a", "x1"), food("b", "x2"), food("c", "x3")]));
      const dash = await board(store, repoA.owner, repoA.name, 2);
      expect(dash?.contributors.map((c) => c.login)).toEqual(["a", "b"]);
      expect(dash?.contributorCount).toBe(3);
      expect(await store.isOptedOut(repoA.id, "shy")).toBe(true);
      expect(await store.isOptedOut(repoA.id, "a")).toBe(false);
    });

    it("uses the leaderboard index", async () => {
      const store = await open();
      const plan =
        name === "postgres"
          ? await store.db.query<Record<string, string>>("SELECT indexdef AS d FROM pg_indexes WHERE indexname = $1", [
              "contributors_board",
            ])
          : await store.db.query<Record<string, string>>("SELECT sql AS d FROM sqlite_master WHERE name = $1", [
              "contributors_board",
            ]);
      expect(plan[0]?.d).toMatch(/repo_id, opted_out, xp DESC, login_key/);
      if (name === "sqlite") {
        const steps = await store.db.query<{ detail: string }>(
          "EXPLAIN QUERY PLAN SELECT login, xp, foods FROM contributors WHERE repo_id = $1 AND opted_out = 0 ORDER BY xp DESC, login_key LIMIT $2",
          [1, 10],
        );
        expect(steps.map((s) => s.detail).join(" ")).toMatch(/contributors_board/);
        expect(steps.map((s) => s.detail).join(" ")).not.toMatch(/TEMP B-TREE/);
      }
    });
  });

  describe("repos", () => {
    it("keeps private repos private: visible only with the badge token, which rotates", async () => {
      const store = await open();
      const secret = { ...repoA, id: 404, name: "secret", private: true };
      const rec = await store.upsertRepo(secret);
      expect(rec.private).toBe(true);
      expect(rec.badgeToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const token = rec.badgeToken ?? "";
      expect(canView(rec, token)).toBe(true);
      expect(canView(rec, null)).toBe(false);
      const rotated = await store.rotateBadgeToken(secret.id);
      expect(rotated).not.toBe(token);
      const after = await store.getRepoById(secret.id);
      expect(after?.badgeToken).toBe(rotated);
      expect(after && canView(after, token)).toBe(false);
      expect(after && canView(after, rotated)).toBe(true);
      // A later upsert (the next webhook) keeps the token.
      expect((await store.upsertRepo(secret)).badgeToken).toBe(rotated);
      // Every repo gets its own token, however many are created at once.
      const many = await Promise.all(
        Array.from({ length: 150 }, (_, i) => store.upsertRepo({ ...secret, id: 1000 + i, name: `secret-${i}` })),
      );
      const tokens = new Set(many.map((r) => r.badgeToken));
      expect(tokens.size).toBe(150);
      expect(tokens.has(rotated)).toBe(false);
    });

    it("follows a rename and lets another repo take the old name", async () => {
      const store = await open();
      await store.feed(input([food("alice", "sha-1")]));
      const renamed = { ...repoA, owner: "Dart-Lang", name: "dart-sdk" };
      await store.feed(input([food("alice", "sha-2")], { repo: renamed }));
      expect(await store.getRepo("dart-lang", "sdk")).toBeNull();
      expect((await board(store, "dart-lang", "DART-SDK"))?.xp).toBe(20);
      const newcomer = { ...repoA, id: 999, name: "sdk" };
      await store.upsertRepo(newcomer);
      expect((await store.getRepo("dart-lang", "sdk"))?.id).toBe(999);
      // The old repo is renamed back over the newcomer's name: the newcomer's stale row steps aside.
      await store.upsertRepo(repoA);
      expect((await store.getRepo("dart-lang", "sdk"))?.id).toBe(repoA.id);
      expect((await store.getRepoById(999))?.name).toBe("sdk");
    });

    it("keeps the installation bookkeeping", async () => {
      const store = await open();
      const a = { ...repoA, id: 1, name: "a", installationId: 5 };
      const b = { ...repoA, id: 2, name: "b", installationId: 5 };
      const c = { ...repoA, id: 3, name: "c", installationId: 6 };
      for (const r of [a, b, c]) expect((await store.upsertRepo(r, { installed: true })).installed).toBe(true);
      // A webhook without an installation id neither forgets the installation nor changes `installed`.
      const seen = await store.upsertRepo({ ...a, installationId: null });
      expect(seen).toMatchObject({ installationId: 5, installed: true });
      await store.setInstalled([b.id], false);
      expect((await store.getRepoById(b.id))?.installed).toBe(false);
      await store.removeInstallation(5);
      expect((await store.getRepoById(a.id))?.installed).toBe(false);
      expect((await store.getRepoById(c.id))?.installed).toBe(true);
      // A repo first seen through a delivery its installation sent is installed; later feedings never
      // change the flag (a late delivery does not undo an uninstall), and one without an installation
      // id does not set it.
      const d = { ...repoA, id: 4, name: "d" };
      await store.feed(input([food("x", "s")], { repo: d }));
      expect((await store.getRepoById(4))?.installed).toBe(true);
      await store.setInstalled([d.id], false);
      await store.feed(input([food("x", "s2")], { repo: d }));
      expect((await store.getRepoById(4))?.installed).toBe(false);
      await store.feed(input([food("x", "s3")], { repo: { ...repoA, id: 5, name: "e", installationId: null } }));
      expect((await store.getRepoById(5))?.installed).toBe(false);
    });

    it("stores names, outfits and the display settings of the last feeding", async () => {
      const store = await open();
      const display = {
        timezone: "Asia/Tokyo",
        hemisphere: "south",
        locale: "ja",
        name: "ダッシュ",
        outfit: "auto",
        background: "winter",
      } as const;
      await store.feed(input([food("alice", "sha-1")], { display }));
      await store.setDashName(repoA.id, "Speedy");
      await store.setOutfit(repoA.id, "summer");
      const rec = await store.getRepoById(repoA.id);
      expect(rec).toMatchObject({ dashName: "Speedy", outfit: "summer", display });
      await store.setDashName(repoA.id, null);
      await store.setOutfit(repoA.id, null);
      expect(await store.getRepoById(repoA.id)).toMatchObject({ dashName: null, outfit: null });
    });
  });

  describe("migrations", () => {
    it("applies every migration once; running them again applies nothing", async () => {
      const db = await (await fresh()).openDb();
      expect(await migrate(db, allMigrations)).toEqual(allMigrations.map((m) => m.id));
      expect(await migrate(db, allMigrations)).toEqual([]);
      const rows = await db.query<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
      expect(rows.map((r) => r.id).sort()).toEqual(allMigrations.map((m) => m.id).sort());
    });

    it("rolls a failing migration back entirely, so the next start tries again", async () => {
      const db = await (await fresh()).openDb();
      const bad = [
        { id: "test-001-ok", sql: "CREATE TABLE t_ok (x INTEGER)" },
        { id: "test-002-bad", sql: "CREATE TABLE t_bad (x INTEGER); THIS IS NOT SQL" },
      ];
      await expect(migrate(db, bad)).rejects.toThrow();
      await expect(db.query("SELECT x FROM t_ok")).rejects.toThrow();
      expect(await migrate(db, bad.slice(0, 1))).toEqual(["test-001-ok"]);
    });

    // better-sqlite3 blocks its thread while it waits for another connection's lock, so SQLite
    // connections racing on one file only make sense across processes (the next test, both stores).
    const inProcess = name === "postgres" ? it : undefined;
    inProcess?.("is safe when several connection pools migrate one database at once", async () => {
      const target = await fresh();
      const dbs = await Promise.all(Array.from({ length: 5 }, () => target.openDb()));
      const results = await Promise.all(dbs.map((db) => migrate(db, allMigrations)));
      expect(results.flat().sort()).toEqual(allMigrations.map((m) => m.id).sort());
      expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    });

    it("keeps a database's feedings, ties and exactly-once through the byte-order upgrade", async () => {
      const db = await (await fresh()).openDb();
      const bytewise = new Set(["core-006-bytewise-keys", "budget-002-bytewise-keys", "comments-002-bytewise-keys"]);
      expect(allMigrations.filter((m) => bytewise.has(m.id))).toHaveLength(bytewise.size);
      await migrate(
        db,
        allMigrations.filter((m) => !bytewise.has(m.id)),
      );
      // Stored before the upgrade: logins that tie on XP, one repeated delivery to come.
      const before = new SqlStore(db);
      const first = input([food("b-c", "sha-1"), food("bc", "sha-2"), food("b", "sha-3")]);
      await before.feed(first);
      expect(await migrate(db, allMigrations)).toEqual([...bytewise]);
      const after = new SqlStore(db);
      expect((await after.feed(first)).duplicateDelivery).toBe(true);
      expect((await after.feed(input([food("bc", "sha-1")]))).applied).toEqual([]);
      const dash = await board(after);
      expect(dash?.xp).toBe(30);
      // Ties in byte order, as SQLite lists them: "-" sorts before the letters.
      expect(dash?.contributors.map((c) => c.login)).toEqual(["b", "b-c", "bc"]);
    });

    /** A fresh database with every migration applied but the one named, as before an upgrade to it. */
    const migratedBut = async (id: string) => {
      const db = await (await fresh()).openDb();
      expect(allMigrations.some((m) => m.id === id)).toBe(true);
      await migrate(
        db,
        allMigrations.filter((m) => m.id !== id),
      );
      return db;
    };

    it("counts a private repo's foods by kind again from the feeding log when upgraded", async () => {
      const recount = "core-007-repo-foods-from-log";
      const db = await migratedBut(recount);
      const store = new SqlStore(db);
      const secret = { ...repoA, id: 505, name: "secret", private: true };
      await store.feed(input([food("dave", "sha-1", "ramen", 2), food("erin", "sha-2")], { repo: secret }));
      await store.feed(input([food("dave", "sha-3", "feast", 3)]));
      // What a private repo's row looked like before batchTotals counted its foods by kind.
      await db.query("DELETE FROM repo_foods WHERE repo_id = $1", [secret.id]);
      expect(await migrate(db, allMigrations)).toEqual([recount]);
      expect((await board(store, secret.owner, secret.name))?.foodsByKind).toEqual({ ramen: 2, curry: 1 });
      expect((await board(store))?.foodsByKind).toEqual({ feast: 3 });
    });

    it("keeps every row and the leaderboard's order through the key-ordered tables upgrade", async () => {
      const keyed = "core-008-sqlite-without-rowid";
      // The schema as it was before the upgrade (later migrations add columns the rebuilt tables
      // would not carry), with the rows two feedings and an opt-out of that version left.
      const db = await (await fresh()).openDb();
      const upTo = allMigrations.findIndex((m) => m.id === keyed);
      await migrate(db, allMigrations.slice(0, upTo));
      const store = new SqlStore(db);
      const first = input([food("dave", "sha-1", "ramen", 2), food("erin", "sha-2"), food("Zed", "sha-3", "feast", 3)]);
      const [t1, t2] = [AT.getTime(), Date.parse("2026-03-02T10:00:00Z")];
      const rowsOf: [string, unknown[][]][] = [
        [
          "repos (id, owner, name, full_name_key, installation_id, installed, xp, foods, last_fed_at, contributor_count, updated_at)",
          [[repoA.id, repoA.owner, repoA.name, `${repoA.owner}/${repoA.name}`, 7, 1, 70, 7, t2, 2, t2]],
        ],
        [
          "deliveries (id, repo_id, received_at)",
          [
            [first.deliveryId, repoA.id, t1],
            ["second", repoA.id, t2],
          ],
        ],
        ["fed_sources (repo_id, source_key)", ["sha-1", "sha-2", "sha-3", "sha-4"].map((k) => [repoA.id, k])],
        [
          "repo_foods (repo_id, food, count)",
          [
            [repoA.id, "ramen", 2],
            [repoA.id, "curry", 2],
            [repoA.id, "feast", 3],
          ],
        ],
        [
          "repo_days (repo_id, day, foods)",
          [
            [repoA.id, "2024-05-01", 6],
            [repoA.id, "2026-03-02", 1],
          ],
        ],
        [
          "contributors (repo_id, login_key, login, xp, foods, last_fed_at, opted_out)",
          [
            [repoA.id, "dave", "dave", 20, 2, t1, 0],
            [repoA.id, "erin", "erin", 20, 2, t2, 0],
            [repoA.id, "zed", "Zed", 30, 3, t1, 1],
          ],
        ],
        [
          "contributor_days (repo_id, login_key, day, foods)",
          [
            [repoA.id, "dave", "2024-05-01", 2],
            [repoA.id, "erin", "2024-05-01", 1],
            [repoA.id, "erin", "2026-03-02", 1],
            [repoA.id, "zed", "2024-05-01", 3],
          ],
        ],
        [
          "users (login_key, login, xp, foods, last_fed_at)",
          [
            ["dave", "dave", 20, 2, t1],
            ["erin", "erin", 20, 2, t2],
            ["zed", "Zed", 30, 3, t1],
          ],
        ],
        [
          "user_foods (login_key, food, count)",
          [
            ["dave", "ramen", 2],
            ["erin", "curry", 2],
            ["zed", "feast", 3],
          ],
        ],
        [
          "user_days (login_key, day, foods)",
          [
            ["dave", "2024-05-01", 2],
            ["erin", "2024-05-01", 1],
            ["erin", "2026-03-02", 1],
            ["zed", "2024-05-01", 3],
          ],
        ],
      ];
      for (const [into, values] of rowsOf) {
        for (const row of values) {
          await db.query(`INSERT INTO ${into} VALUES (${row.map((_, i) => `$${i + 1}`).join(", ")})`, row);
        }
      }
      const tables = {
        deliveries: "id",
        fed_sources: "repo_id, source_key",
        repo_foods: "repo_id, food",
        repo_days: "repo_id, day",
        contributors: "repo_id, login_key",
        contributor_days: "repo_id, login_key, day",
        users: "login_key",
        user_foods: "login_key, food",
        user_days: "login_key, day",
      };
      const rows = async () =>
        Object.fromEntries(
          await Promise.all(
            Object.entries(tables).map(async ([t, key]) => [
              t,
              // SQLite's deliveries become a log (core-012): its seq is new, PostgreSQL's batch column not kept.
              await db.query(
                `SELECT ${t === "deliveries" ? "id, repo_id, received_at" : "*"} FROM ${t} ORDER BY ${key}`,
              ),
            ]),
          ),
        );
      const beforeRows = await rows();
      expect(beforeRows.contributors).toHaveLength(3);
      // A rowid table's text key may hold NULL (no lookup ever finds such a row): not copied, no failure.
      if (name === "sqlite") await db.query("INSERT INTO deliveries (id, repo_id, received_at) VALUES (NULL, 1, 0)");
      expect(await migrate(db, allMigrations)).toEqual(allMigrations.slice(upTo).map((m) => m.id));
      // Every row kept; the migrations after it only add columns (to repos and users).
      const { users: usersAfter, ...afterRows } = await rows();
      const { users: usersBefore, ...rest } = beforeRows;
      expect(afterRows).toEqual(rest);
      expect(usersAfter).toEqual(
        usersBefore?.map((u: object) => ({
          ...u,
          day: null,
          day_foods: 0,
          foods_curry: 0,
          foods_ramen: 0,
          foods_mapo_tofu: 0,
          foods_feast: 0,
          foods_tteokbokki: 0,
        })),
      );
      if (name === "sqlite") {
        const schema = await db.query<{ name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE name IN (" +
            [...Object.keys(tables), "contributors_board"].map((t) => `'${t}'`).join(", ") +
            ")",
        );
        const sqlOf = new Map(schema.map((s) => [s.name, s.sql]));
        for (const t of Object.keys(tables).filter((t) => t !== "deliveries")) {
          expect(sqlOf.get(t)).toMatch(/WITHOUT ROWID$/);
        }
        // An append-only log in arrival order, with no index on the random ids.
        expect(sqlOf.get("deliveries")).toMatch(/seq INTEGER PRIMARY KEY AUTOINCREMENT/);
        expect(
          await db.query("SELECT name FROM sqlite_master WHERE tbl_name = 'deliveries' AND type = 'index'"),
        ).toEqual([]);
        expect(sqlOf.get("contributors_board")).toMatch(/xp DESC/);
      }
      // Still exactly once, and the board still ordered and without the opted-out contributor.
      expect((await store.feed(first)).duplicateDelivery).toBe(true);
      expect((await store.feed(input([food("dave", "sha-2")]))).applied).toEqual([]);
      await store.feed(input([food("erin", "sha-5", "feast", 3)]));
      const dash = await board(store);
      expect(dash?.contributors.map((c) => [c.login, c.xp])).toEqual([
        ["erin", 50],
        ["dave", 20],
      ]);
    });

    // SQLite compares text bytewise (BINARY) by default; PostgreSQL by the server's locale, unless a
    // column says otherwise. Every text column an index, a primary key or a unique constraint orders by
    // must say "C", so that both stores list ties alike and key lookups skip the locale's rules.
    const postgresOnly = name === "postgres" ? it : undefined;
    postgresOnly?.("gives every indexed text column byte order (collation C)", async () => {
      const db = await (await fresh()).openDb();
      await migrate(db, allMigrations);
      const keys = await db.query<{ tbl: string; col: string; collation: string }>(
        `SELECT DISTINCT t.relname AS tbl, a.attname AS col, c.collname AS collation
         FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (i.indkey)
         JOIN pg_collation c ON c.oid = a.attcollation
         WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> 'schema_migrations'
         ORDER BY 1, 2`,
      );
      // The tables with text keys are all there (the query is not vacuously empty)...
      expect(new Set(keys.map((k) => k.tbl))).toEqual(
        new Set([
          "budget_days",
          "contributor_days",
          "contributors",
          "dash_pr_contributors",
          "dash_pr_feedings",
          "dash_prs",
          "deliveries",
          "fed_sources",
          "repo_days",
          "repo_foods",
          "repos",
          "user_days",
          "user_foods",
          "users",
        ]),
      );
      // ...and none of their key columns compares by the locale.
      expect(keys.filter((k) => k.collation !== "C")).toEqual([]);
    });

    it("is safe when several processes start on one empty database at once", async () => {
      const target = await fresh();
      const script = join(import.meta.dirname, "../faults/children/migrate-once.ts");
      const outputs = await Promise.all(
        Array.from({ length: 3 }, () =>
          run(process.execPath, ["--import", "tsx", script], { env: { ...process.env, DATABASE_URL: target.url } }),
        ),
      );
      const applied = outputs.map((o) => JSON.parse(o.stdout.trim().split("\n").pop() ?? "[]") as string[]);
      expect(applied.flat().sort()).toEqual(allMigrations.map((m) => m.id).sort());
      expect(applied.filter((r) => r.length > 0)).toHaveLength(1);
      const store = await target.openStore();
      await store.feed(input([food("alice", "sha-1")]));
      expect((await board(store))?.xp).toBe(10);
    }, 60_000);
  });
});
