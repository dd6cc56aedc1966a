import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteDb } from "../../src/store/sqlite-db.js";

async function openDb(): Promise<SqliteDb> {
  const db = new SqliteDb(join(mkdtempSync(join(tmpdir(), "repositori-sqlite-")), "t.db"));
  await db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  return db;
}

describe("SQLite group commit", () => {
  it("commits concurrent transactions together, and a failing one alone is rolled back", async () => {
    const db = await openDb();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO t (k, v) VALUES ($1, $2)", [`k${i}`, i]);
          await tx.query("UPDATE t SET v = v + 100 WHERE k = $1", [`k${i}`]);
          if (i === 7) throw new Error("body 7 fails after writing");
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(results[7]).toMatchObject({ status: "rejected", reason: new Error("body 7 fails after writing") });
    const rows = await db.query<{ k: string; v: number }>("SELECT k, v FROM t ORDER BY v");
    expect(rows).toHaveLength(19);
    expect(rows.find((r) => r.k === "k7")).toBeUndefined();
    expect(rows.every((r) => r.v >= 100)).toBe(true);
    await db.close();
  });

  it("a constraint error in one body leaves the others' writes in place", async () => {
    const db = await openDb();
    await db.exec("INSERT INTO t (k, v) VALUES ('taken', 0)");
    const outcomes = await Promise.allSettled([
      db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('a', 1)")),
      db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('taken', 2)")),
      db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('b', 3)")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const rows = await db.query<{ k: string }>("SELECT k FROM t ORDER BY k");
    expect(rows.map((r) => r.k)).toEqual(["a", "b", "taken"]);
    await db.close();
  });

  it("a group the connection cannot finish fails as a whole, and the queue goes on", async () => {
    const db = await openDb();
    const outcomes = await Promise.allSettled([
      db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('a', 1)")),
      // Ends the adapter's savepoint itself, so neither releasing nor rolling back to it can work.
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k, v) VALUES ('b', 2)");
        await tx.query("RELEASE job");
      }),
      db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('c', 3)")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    await db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('d', 4)"));
    const rows = await db.query<{ k: string }>("SELECT k FROM t ORDER BY k");
    expect(rows.map((r) => r.k)).toEqual(["c", "d"]);
    await db.close();
  });

  it("what a resolved transaction wrote is durable: another connection sees it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "repositori-sqlite-"));
    const db = new SqliteDb(join(dir, "t.db"));
    await db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction((tx) => tx.query("INSERT INTO t VALUES ($1, $2)", [`k${i}`, i])),
      ),
    );
    const other = new SqliteDb(join(dir, "t.db"));
    expect((await other.query<{ n: number }>("SELECT COUNT(*) AS n FROM t"))[0]?.n).toBe(10);
    await other.close();
    await db.close();
  });
});
