import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteDb } from "../../src/store/sqlite-db.js";

const saved = process.env.SQLITE_TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.SQLITE_TMPDIR;
  else process.env.SQLITE_TMPDIR = saved;
});

describe("SQLite temporary files", () => {
  it("writes no temporary file for a transaction's large multi-row writes (statement journals stay in memory)", async () => {
    // SQLite creates its temporary files in SQLITE_TMPDIR (read when it first opens a database in the
    // process, here: a test file runs in a process of its own) and unlinks each at once: watched, not
    // listed. The setting itself is checked below as well.
    const temp = mkdtempSync(join(tmpdir(), "repositori-sqlite-tmp-"));
    process.env.SQLITE_TMPDIR = temp;
    const db = new SqliteDb(join(mkdtempSync(join(tmpdir(), "repositori-sqlite-")), "t.db"));
    await db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID");
    const random = () => randomBytes(20).toString("hex");
    await db.transaction(async (tx) => {
      for (let i = 0; i < 40; i++) {
        const rows = Array.from({ length: 100 }, () => [random(), 1]);
        await tx.query(
          `INSERT INTO t (k, v) VALUES ${rows.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(", ")}`,
          rows.flat(),
        );
      }
    });
    const created: string[] = [];
    const watcher = watch(temp, (_event, name) => created.push(String(name)));
    try {
      // Once the table spans many pages, each statement's 100 inserts at random places change more than
      // the 64 KiB a statement journal keeps in memory by default.
      await db.transaction(async (tx) => {
        for (let i = 0; i < 10; i++) {
          const rows = Array.from({ length: 100 }, () => [random(), 2]);
          await tx.query(
            `INSERT INTO t (k, v) VALUES ${rows.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(", ")} ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
            rows.flat(),
          );
        }
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
