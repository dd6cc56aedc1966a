import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { knownDeliveriesOf } from "../../src/store/known-deliveries.js";
import { openStore } from "../../src/store/open-store.js";
import { storeBatch } from "../../src/store/sql-feed-at-once.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef } from "../../src/store/store.js";
import { curry, inputMaker } from "../helpers/feed-inputs.js";

const repo: RepoRef = { id: 4242, owner: "dart-lang", name: "logged", private: false, installationId: 9 };
const input = inputMaker(repo, new Date("2026-11-29T10:00:00Z"), "logged-");
const token = () => "t";

// SQLite's delivery ids live in an append-only log and in memory (src/store/known-deliveries.ts): these
// are the ways the memory could drift from the log.
describe("SQLite's delivery log and the ids kept in memory", () => {
  const opened: SqlStore[] = [];
  const dirs: string[] = [];
  const openFile = async (file?: string) => {
    const path = file ?? join(mkdtempSync(join(tmpdir(), "repositori-log-")), "dash.db");
    if (!file) dirs.push(path);
    const store = await openStore(`sqlite:${path}`);
    opened.push(store);
    return { store, path };
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.db.close();
    for (const dir of dirs.splice(0)) rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("knows what another connection to the same file stored, in both directions", async () => {
    const { store: a, path } = await openFile();
    const { store: b } = await openFile(path);
    const first = input([curry("ana", "log-1")]);
    const second = input([curry("bo", "log-2")]);
    // b reads the log (empty) with its first feeding; a's row comes after, so b's memory lags the file.
    expect((await b.feed(second)).duplicateDelivery).toBe(false);
    expect((await a.feed(first)).duplicateDelivery).toBe(false);
    expect((await b.feed({ ...first })).duplicateDelivery).toBe(true);
    expect((await a.feed({ ...second })).duplicateDelivery).toBe(true);
    const xp = await a.db.query<{ xp: number }>("SELECT xp FROM repos WHERE id = $1", [repo.id]);
    expect(xp).toEqual([{ xp: 20 }]);
  });

  it("tells a redelivery from an earlier transaction of the same group commit", async () => {
    const { store } = await openFile();
    const once = input([curry("cy", "group-1")]);
    // Not awaited one by one: both transactions wait in the queue together and share one COMMIT. The
    // copy names another commit (as when the rules changed in between), so no source gives it away.
    const [first, again] = await Promise.all([
      storeBatch(store.db, [once], token),
      storeBatch(store.db, [{ ...once, feedings: [curry("cy", "group-2")] }], token),
    ]);
    expect([first[0]?.duplicateDelivery, again[0]?.duplicateDelivery]).toEqual([false, true]);
    expect(again[0]?.applied).toEqual([]);
    const rows = await store.db.query("SELECT id FROM deliveries WHERE id = $1", [once.deliveryId]);
    expect(rows).toHaveLength(1);
  });

  it("remembers nothing of a transaction that rolled back, while the one beside it keeps its ids", async () => {
    const { store } = await openFile();
    const known = knownDeliveriesOf(store.db);
    if (!known) throw new Error("SQLite keeps its delivery ids in memory");
    const lost = input([curry("di", "lost-1")]);
    const kept = input([curry("ed", "kept-1")]);
    const failed = store.db.transaction(async (tx) => {
      await known.record(tx, [lost], [true]);
      throw new Error("the batch failed after its delivery was written");
    });
    const stored = storeBatch(store.db, [kept], token);
    await expect(failed).rejects.toThrow("the batch failed");
    await stored;
    expect(await store.db.query("SELECT id FROM deliveries ORDER BY seq")).toEqual([{ id: kept.deliveryId }]);
    expect((await store.feed({ ...lost })).duplicateDelivery).toBe(false);
    expect((await store.feed({ ...kept })).duplicateDelivery).toBe(true);
  });

  it("reads the log again after a restart, and keeps arrival order with no index on the ids", async () => {
    const { store, path } = await openFile();
    const inputs = [input([curry("flo", "r-1")]), input([curry("gus", "r-2")]), input([curry("hal", "r-3")])];
    for (const i of inputs) await store.feed(i);
    await store.db.close();
    opened.splice(opened.indexOf(store), 1);
    const { store: again } = await openFile(path);
    const out = await storeBatch(
      again.db,
      inputs.map((i) => ({ ...i })),
      token,
    );
    expect(out.map((o) => o.duplicateDelivery)).toEqual([true, true, true]);
    const log = await again.db.query<{ seq: number; id: string }>("SELECT seq, id FROM deliveries ORDER BY seq");
    expect(log.map((r) => r.id)).toEqual(inputs.map((i) => i.deliveryId));
    const plan = await again.db.query<{ detail: string }>(
      "EXPLAIN QUERY PLAN SELECT seq FROM deliveries WHERE id = 'x'",
    );
    expect(plan.map((p) => p.detail).join(" ")).toMatch(/SCAN deliveries/);
  });

  it("loads a log longer than one read at start, every id of it", async () => {
    const { store, path } = await openFile();
    await store.db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
      INSERT INTO deliveries (id, repo_id, received_at) SELECT 'bulk-' || i, ${repo.id}, 0 FROM n`);
    const { store: again } = await openFile(path);
    // Opening read the whole log: nothing is left for a write transaction to read.
    const known = knownDeliveriesOf(again.db);
    expect((await again.db.transaction(async (tx) => known?.catchUp(tx)))?.size).toBe(0);
    const ids = ["bulk-1", "bulk-10000", "bulk-10001", "bulk-25000", "bulk-25001"];
    const out = await storeBatch(
      again.db,
      ids.map((id, i) => input([curry("ivy", `bulk-sha-${i}`)], { deliveryId: id })),
      token,
    );
    expect(out.map((o) => o.duplicateDelivery)).toEqual([true, true, true, true, false]);
  });
});
