import { Socket } from "node:net";
import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { dayRowKey } from "../../src/store/feed-batch.js";
import { feedBatchInOneStatement } from "../../src/store/feed-in-one-statement.js";
import { BatchNeedsReads } from "../../src/store/feed-needs-reads.js";
import { FullDays, fullDaysOf } from "../../src/store/full-days.js";
import { knownDeliveriesOf } from "../../src/store/known-deliveries.js";
import { grantsWithoutReads, storeBatch } from "../../src/store/sql-feed-at-once.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef } from "../../src/store/store.js";
import { curry, inputMaker } from "../helpers/feed-inputs.js";
import { forEachStore } from "../helpers/stores.js";

const repo: RepoRef = { id: 7001, owner: "dart-lang", name: "pub", private: false, installationId: 3 };
const AT = new Date("2026-11-28T10:00:00Z");
const input = inputMaker(repo, AT, "at-once-");

describe("grantsWithoutReads", () => {
  it("grants everything a clean batch asks for", () => {
    const grants = grantsWithoutReads([
      input([curry("ann", "sha-1"), curry("bo", "sha-2")]),
      input([curry("ann", "sha-3", 5)]),
    ]);
    expect(grants?.map((g) => g.map((x) => [x.loginKey, x.foods]))).toEqual([
      [
        ["ann", 1],
        ["bo", 1],
      ],
      [["ann", 5]],
    ]);
  });

  it("leaves to reading first what it cannot decide alone", () => {
    const first = input([curry("ann", "sha-1")]);
    // The same delivery twice, the same source twice, one day under two caps, a day over its cap.
    expect(grantsWithoutReads([first, { ...first }])).toBeNull();
    expect(grantsWithoutReads([input([curry("ann", "sha-1")]), input([curry("bo", "sha-1")])])).toBeNull();
    expect(grantsWithoutReads([input([curry("ann", "a")]), input([curry("ann", "b")], { dailyCap: 10 })])).toBeNull();
    expect(grantsWithoutReads([input([curry("ann", "a", 20)]), input([curry("ann", "b", 11)])])).toBeNull();
    // The same source in two repos is two sources.
    expect(
      grantsWithoutReads([
        input([curry("ann", "sha-9")]),
        input([curry("ann", "sha-9")], { repo: { ...repo, id: 7002 } }),
      ]),
    ).not.toBeNull();
  });

  it("grants nothing to a day it knows is full, and everything else as before", () => {
    const full = new FullDays();
    const ann = input([curry("ann", "fed-1", 30)]);
    full.noteCommitted([ann], new Map([[dayRowKey(repo.id, "ann", ann.day), 30]]));
    const batch = [input([curry("Ann", "full-1", 2), curry("bo", "full-2")]), input([curry("bo", "full-3")])];
    const grants = grantsWithoutReads(batch, full);
    expect(grants?.map((g) => g.map((x) => [x.loginKey, x.foods]))).toEqual([[["bo", 1]], [["bo", 1]]]);
    // Without it, the batch asks for more than the day is known to hold: the database must say.
    expect(
      grantsWithoutReads(batch)
        ?.flat()
        .map((x) => [x.loginKey, x.foods]),
    ).toEqual([
      ["ann", 2],
      ["bo", 1],
      ["bo", 1],
    ]);
    // Under a cap raised since, the day has room again, which only reading can tell.
    const raised = [input([curry("ann", "raised-1")], { dailyCap: 40 })];
    expect(
      grantsWithoutReads(raised, full)
        ?.flat()
        .map((x) => [x.loginKey, x.foods]),
    ).toEqual([["ann", 1]]);
  });
});

describe("FullDays", () => {
  const key = (login: string) => dayRowKey(repo.id, login, AT.toISOString().slice(0, 10));

  it("remembers a day only once it holds its cap, and as full under that cap or a lower one", () => {
    const full = new FullDays();
    const ann = input([curry("ann", "fd-1")]);
    full.noteCommitted([ann], new Map([[key("ann"), 29]]));
    expect(full.isFull(key("ann"), 30)).toBe(false);
    expect(full.size).toBe(0);
    full.noteCommitted([ann], new Map([[key("ann"), 30]]));
    expect([full.isFull(key("ann"), 30), full.isFull(key("ann"), 20), full.isFull(key("ann"), 31)]).toEqual([
      true,
      true,
      false,
    ]);
    // A lower count noted later (an older read) does not lower what is known.
    full.noteCommitted([{ ...ann, dailyCap: 10 }], new Map([[key("ann"), 12]]));
    expect(full.isFull(key("ann"), 30)).toBe(true);
  });

  it("forgets the days noted longest ago beyond 10,000", () => {
    const full = new FullDays();
    for (let i = 0; i <= 10_000; i++) {
      full.noteCommitted([input([curry(`u${i}`, `fd-many-${i}`)])], new Map([[key(`u${i}`), 30]]));
    }
    expect(full.size).toBe(10_000);
    expect(full.isFull(key("u0"), 30)).toBe(false);
    expect(full.isFull(key("u1"), 30)).toBe(true);
    expect(full.isFull(key("u10000"), 30)).toBe(true);
  });
});

forEachStore((name, open) => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await open();
  });

  const xpOf = async (login: string) =>
    (
      await store.db.query<{ xp: number }>("SELECT xp FROM contributors WHERE repo_id = $1 AND login_key = $2", [
        repo.id,
        login,
      ])
    )[0]?.xp ?? 0;

  // A round trip on PostgreSQL; SQLite writes to no socket (its outcomes: the contract suite).
  const postgresOnly = name === "postgres" ? it : undefined;
  postgresOnly?.("goes to the database in one statement, in one write, when everything in it is new", async () => {
    // A first batch prepares the statement, so that the counted one sends no Parse of its own.
    await storeBatch(store.db, [input([curry("cy", "warm-1")]), input([curry("di", "warm-2")])], () => "t");
    const write = vi.spyOn(Socket.prototype, "_write");
    const writev = vi.spyOn(Socket.prototype, "_writev");
    const query = vi.spyOn(pg.Client.prototype, "query");
    let out: Awaited<ReturnType<typeof storeBatch>>;
    try {
      out = await storeBatch(
        store.db,
        [input([curry("cy", "one-1")]), input([curry("di", "one-2"), curry("cy", "one-3")])],
        () => "t",
      );
      // No BEGIN or COMMIT: one statement is atomic by itself. Reading first would take more.
      expect(query).toHaveBeenCalledTimes(1);
      expect(write.mock.calls.length + writev.mock.calls.length).toBe(1);
    } finally {
      write.mockRestore();
      writev.mockRestore();
      query.mockRestore();
    }
    expect(out.map((o) => o.applied.length)).toEqual([1, 2]);
    expect(out.map((o) => o.duplicateDelivery)).toEqual([false, false]);
    // Each outcome is the running total at its place in the batch, as when read first.
    expect(out.map((o) => [o.repo.xpBefore, o.repo.xpAfter])).toEqual([
      [20, 30],
      [30, 50],
    ]);
    expect(out[1]?.users.map((u) => [u.login, u.xpBefore, u.xpAfter])).toEqual([
      ["cy", 20, 30],
      ["di", 10, 20],
    ]);
  });

  postgresOnly?.(
    "sends the same statement texts for one repo's batch whatever its number of deliveries, so each is planned once",
    async () => {
      const query = vi.spyOn(pg.Client.prototype, "query");
      const textsOf = async (size: number, tag: string) => {
        query.mockClear();
        const batch = Array.from({ length: size }, (_, i) => input([curry(`${tag}-${i}`, `${tag}-sha-${i}`)]));
        await storeBatch(store.db, batch, () => "t");
        const sent = query.mock.calls.map(([config]) => config as unknown as string | { text: string });
        return new Set(sent.map((config) => (typeof config === "string" ? config : config.text)));
      };
      try {
        const two = await textsOf(2, "two");
        // Every row of a batch travels in one parameter per statement: nothing in the text counts rows.
        expect(await textsOf(7, "seven")).toEqual(two);
        expect(await textsOf(40, "forty")).toEqual(two);
      } finally {
        query.mockRestore();
      }
      expect(await xpOf("forty-39")).toBe(10);
    },
  );

  // Payloads reach the store with such halves replaced already (see str in github/payload.ts); the
  // JSON that carries a batch's rows to PostgreSQL must not make them fail the batch either.
  postgresOnly?.(
    "stores a login with half of a surrogate pair with U+FFFD in its place, and a whole pair as is",
    async () => {
      await storeBatch(store.db, [input([curry("lone\ud800", "lone-1"), curry("pair😀", "pair-1")])], () => "t");
      const rows = await store.db.query<{ login: string }>(
        "SELECT login FROM contributors WHERE repo_id = $1 AND login_key IN ($2, $3) ORDER BY login",
        [repo.id, "lone\ufffd", "pair😀"],
      );
      expect(rows.map((r) => r.login)).toEqual(["lone\ufffd", "pair😀"]);
    },
  );

  postgresOnly?.(
    "says so when its one statement meets a stored source, and leaves nothing of the batch behind",
    async () => {
      const stored = input([curry("jo", "one-gone-1")]);
      await storeBatch(store.db, [stored], () => "t");
      const again = [input([curry("kim", "one-new-1")]), { ...stored, deliveryId: "one-fresh-id" }];
      const grants = grantsWithoutReads(again);
      expect(grants).not.toBeNull();
      const err = await feedBatchInOneStatement(store.db, again, grants ?? [], () => "t").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BatchNeedsReads);
      expect(await store.db.query("SELECT id FROM deliveries WHERE id = 'one-fresh-id'")).toEqual([]);
      // The other delivery of the batch was refused with it: kim has no XP, no day, no feeding.
      expect(await xpOf("kim")).toBe(0);
      expect(await store.db.query("SELECT login_key FROM feedings WHERE login_key = 'kim'")).toEqual([]);
      // Stored the careful way, the new delivery feeds and the eaten source does not.
      const out = await storeBatch(store.db, again, () => "t");
      expect(out.map((o) => o.applied.length)).toEqual([1, 0]);
      expect(await xpOf("kim")).toBe(10);
      expect(await xpOf("jo")).toBe(10);
    },
  );

  it("reads first when the database knows a delivery already, and feeds the rest once", async () => {
    const stored = input([curry("ed", "re-1")]);
    await storeBatch(store.db, [stored], () => "t");
    const out = await storeBatch(store.db, [{ ...stored }, input([curry("ed", "re-2")])], () => "t");
    expect(out.map((o) => o.duplicateDelivery)).toEqual([true, false]);
    expect(out[1]?.applied).toHaveLength(1);
    expect(await xpOf("ed")).toBe(20);
    const rows = await store.db.query<{ n: number }>(
      "SELECT CAST(COUNT(*) AS INTEGER) AS n FROM deliveries WHERE id = $1",
      [stored.deliveryId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("reads first when a source was eaten before (the same commit on another branch)", async () => {
    await storeBatch(store.db, [input([curry("flo", "branch-sha")])], () => "t");
    const out = await storeBatch(store.db, [input([curry("flo", "branch-sha"), curry("flo", "new-sha")])], () => "t");
    expect(out[0]?.applied.map((f) => f.sourceKey)).toEqual(["new-sha"]);
    expect(await xpOf("flo")).toBe(20);
  });

  it("reads first when a contributor reaches the daily cap, and grants up to it", async () => {
    await storeBatch(store.db, [input([curry("gus", "cap-1", 29)])], () => "t");
    const out = await storeBatch(
      store.db,
      [input([curry("gus", "cap-2", 3)]), input([curry("hal", "cap-3")])],
      () => "t",
    );
    expect(out.map((o) => o.applied.map((f) => f.count))).toEqual([[1], [1]]);
    expect(await xpOf("gus")).toBe(300);
    const day = await store.db.query<{ foods: number }>(
      "SELECT foods FROM contributor_days WHERE repo_id = $1 AND login_key = 'gus'",
      [repo.id],
    );
    expect(day).toEqual([{ foods: 30 }]);
  });

  it("stores a batch without reading once a contributor's day is full, granting them nothing and eating their source", async () => {
    await storeBatch(store.db, [input([curry("max", "full-cap-1", 29)])], () => "t");
    // Over the cap: read first, granted up to it, and the day noted as full once committed.
    await storeBatch(store.db, [input([curry("max", "full-cap-2", 3)])], () => "t");
    const day = dayRowKey(repo.id, "max", input([]).day);
    expect(fullDaysOf(store.db).isFull(day, 30)).toBe(true);
    const batch = [input([curry("max", "full-cap-3")]), input([curry("nia", "full-cap-4")])];
    expect(grantsWithoutReads(batch, fullDaysOf(store.db))?.map((g) => g.length)).toEqual([0, 1]);
    const query = vi.spyOn(pg.Client.prototype, "query");
    let out: Awaited<ReturnType<typeof storeBatch>>;
    try {
      out = await storeBatch(store.db, batch, () => "t");
      // On PostgreSQL, the one statement of a batch without reads (SQLite: its outcomes, below).
      if (name === "postgres") expect(query).toHaveBeenCalledTimes(1);
    } finally {
      query.mockRestore();
    }
    expect(out.map((o) => [o.duplicateDelivery, o.applied.length])).toEqual([
      [false, 0],
      [false, 1],
    ]);
    expect(out[0]?.repo.xpAfter).toBe(out[0]?.repo.xpBefore);
    expect(await xpOf("max")).toBe(300);
    expect(await xpOf("nia")).toBe(10);
    // A batch that feeds nobody at all is stored in one go too.
    const alone = [input([curry("max", "full-cap-5")]), input([curry("max", "full-cap-6")])];
    expect(grantsWithoutReads(alone, fullDaysOf(store.db))?.flat()).toEqual([]);
    const again = await storeBatch(store.db, alone, () => "t");
    expect(again.map((o) => [o.duplicateDelivery, o.applied.length, o.repo.xpAfter - o.repo.xpBefore])).toEqual([
      [false, 0, 0],
      [false, 0, 0],
    ]);
    // The source was eaten all the same, as reading first would have left it: not fed tomorrow.
    const tomorrow = new Date(AT.getTime() + 86_400_000);
    const next = input([curry("max", "full-cap-3")], { at: tomorrow, day: "2026-11-29", utcDay: "2026-11-29" });
    expect((await storeBatch(store.db, [next], () => "t"))[0]?.applied).toEqual([]);
    expect(await xpOf("max")).toBe(300);
  });

  it("says so when it cannot store a batch without reading, and leaves nothing of it behind", async () => {
    const stored = input([curry("ivy", "gone-1")]);
    await storeBatch(store.db, [stored], () => "t");
    const { feedBatchAtOnce } = await import("../../src/store/sql-feed-at-once.js");
    const again = [{ ...stored, deliveryId: "fresh-id" }, input([curry("ivy", "gone-2")])];
    const grants = grantsWithoutReads(again);
    expect(grants).not.toBeNull();
    // The source of the first input was eaten: the one-write attempt is refused as a whole.
    const err = await store.db
      .transaction((tx) => feedBatchAtOnce(tx, again, grants ?? [], () => "t", knownDeliveriesOf(store.db)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchNeedsReads);
    const ids = await store.db.query("SELECT id FROM deliveries WHERE id = 'fresh-id'");
    expect(ids).toEqual([]);
    expect(await xpOf("ivy")).toBe(10);
    // Nothing of the refused attempt is remembered either: stored the careful way, both are new.
    const out = await storeBatch(store.db, again, () => "t");
    expect(out.map((o) => [o.duplicateDelivery, o.applied.length])).toEqual([
      [false, 0],
      [false, 1],
    ]);
  });
});
