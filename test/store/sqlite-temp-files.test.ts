import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Sql } from "../../src/store/db.js";
import { insertRows } from "../../src/store/sql-rows.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";

const saved = process.env.SQLITE_TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.SQLITE_TMPDIR;
  else process.env.SQLITE_TMPDIR = saved;
});

/** 100 rows with random keys into `t`, in one multi-row statement (as a feeding batch writes). */
async function insertRandomRows(tx: Sql, v: number, tail = ""): Promise<void> {
  const rows = Array.from({ length: 100 }, () => [randomBytes(20).toString("hex"), v]);
  for (const st of insertRows("sqlite", "t", ["k", "v"], rows, tail)) await tx.query(st.text, st.params);
}

describe("SQLite temporary files", () => {
  it("writes no temporary file for a transaction's large multi-row writes (statement journals stay in memory)", async () => {
    // SQLite creates its temporary files in SQLITE_TMPDIR (read when it first opens a database in the
    // process, here: a test file runs in a process of its own) and unlinks each at once: watched, not
    // listed. The setting itself is checked below as well.
    const temp = mkdtempSync(join(tmpdir(), "repositori-sqlite-tmp-"));
    process.env.SQLITE_TMPDIR = temp;
    const db = new SqliteDb(join(mkdtempSync(join(tmpdir(), "repositori-sqlite-")), "t.db"));
    await db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID");
    await db.transaction(async (tx) => {
      for (let i = 0; i < 40; i++) await insertRandomRows(tx, 1);
    });
    const created: string[] = [];
    const watcher = watch(temp, (_event, name) => created.push(String(name)));
    try {
      // Once the table spans many pages, each statement's 100 inserts at random places change more than
      // the 64 KiB a statement journal keeps in memory by default.
      await db.transaction(async (tx) => {
        for (let i = 0; i < 10; i++) await insertRandomRows(tx, 2, "ON CONFLICT (k) DO UPDATE SET v = excluded.v");
      });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      watcher.close();
    }
    expect(created).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
    expect(await db.query("PRAGMA temp_store")).toEqual([{ temp_store: 2 }]);
    expect((await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM t"))[0]?.n).toBe(5000);
    await db.close();
  });
});
