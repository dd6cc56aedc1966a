import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { Checkpointer } from "../../src/store/sqlite-checkpointer.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";

const run = promisify(execFile);

interface Checkpoint {
  log: number;
  checkpointed: number;
  busy: number;
}

/** A database file whose checkpoint results are kept, with a table of page-sized rows. */
async function openWatched(walFrames: number) {
  const file = join(mkdtempSync(join(tmpdir(), "repositori-ckpt-")), "t.db");
  const seen: Checkpoint[] = [];
  let waiter: (() => void) | null = null;
  const db = new SqliteDb(file, {
    checkpoints: {
      walFrames,
      onCheckpoint: (c) => {
        seen.push(c);
        waiter?.();
      },
    },
  });
  await db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  let next = 0;
  const write = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ($1, zeroblob(3000))", [next++]));
    }
  };
  /** Resolves with the first checkpoint that finished after this call. */
  const nextCheckpoint = () =>
    new Promise<Checkpoint>((done) => {
      const before = seen.length;
      waiter = () => {
        if (seen.length > before) done(seen[seen.length - 1] as Checkpoint);
      };
    });
  const walBytes = () => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  return { db, file, write, nextCheckpoint, walBytes };
}

describe("SQLite checkpoints on a worker thread", () => {
  it("copies the WAL into the database off the App's thread, and the WAL starts over instead of growing", async () => {
    const { db, file, write, nextCheckpoint, walBytes } = await openWatched(600);
    // The App's connection leaves checkpoints to the worker, keeping its own only past 600 frames
    // (more than the 200 rows below fill).
    expect(await db.query("PRAGMA wal_autocheckpoint")).toEqual([{ wal_autocheckpoint: 600 }]);

    let checkpoint = nextCheckpoint();
    await write(200);
    // Writes stopped: the worker copies everything, and the next commit starts the WAL over.
    let result = await checkpoint;
    while (result.log > 0 && result.checkpointed < result.log) {
      checkpoint = nextCheckpoint();
      await db.query("SELECT 1");
      result = await checkpoint;
    }
    const afterFirst = walBytes();
    expect(afterFirst).toBeGreaterThan(200 * 3000);

    // The same amount again is written over the old frames: a WAL that only grew would double.
    checkpoint = nextCheckpoint();
    await write(200);
    await checkpoint;
    expect(walBytes()).toBeLessThanOrEqual(afterFirst * 1.1);

    await db.close();
    // The last connection to close checkpoints and removes the WAL; every row is in the file.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = new SqliteDb(file);
    expect(await again.query("SELECT COUNT(*) AS n FROM t")).toEqual([{ n: 400 }]);
    await again.close();
  });

  it("should writes outpace the worker, commits checkpoint by themselves and the WAL stays bounded", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "repositori-ckpt-")), "t.db");
    // A worker that is alive but never checkpoints.
    const idle = `import { parentPort } from "node:worker_threads";
      parentPort.on("message", (m) => { if (m === "stop") parentPort.close(); });`;
    const db = new SqliteDb(file, {
      checkpoints: { walFrames: 256, workerUrl: new URL(`data:text/javascript,${encodeURIComponent(idle)}`) },
    });
    await db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    for (let i = 0; i < 2000; i++) {
      await db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ($1, zeroblob(3000))", [i]));
    }
    // Commits checkpoint past 256 frames; the 2,000 pages written would otherwise all still be in the WAL.
    expect(statSync(`${file}-wal`).size).toBeLessThan(400 * 4096);
    expect(await db.query("SELECT COUNT(*) AS n FROM t")).toEqual([{ n: 2000 }]);
    await db.close();
  });

  it("runs no checkpoint for reads (badge views), only after writes", async () => {
    const { db, write, nextCheckpoint } = await openWatched(600);
    const afterWrite = nextCheckpoint();
    await write(5);
    await afterWrite;
    // The worker checkpoints only when the App's connection nudges it: every nudge is counted, so
    // nothing depends on how long the worker takes to answer one.
    const nudges = vi.spyOn(Checkpointer.prototype, "wrote");
    try {
      for (let i = 0; i < 50; i++) await db.query("SELECT COUNT(*) AS n FROM t");
      const afterMore = nextCheckpoint();
      await write(1);
      await afterMore;
      // The write was nudged and checkpointed; the 50 reads before it sent nothing.
      expect(nudges).toHaveBeenCalledTimes(1);
    } finally {
      nudges.mockRestore();
    }
    await db.close();
  });

  it("does not keep a process alive that never closes the database", async () => {
    const script = join(import.meta.dirname, "../faults/children/sqlite-left-open.ts");
    const file = join(mkdtempSync(join(tmpdir(), "repositori-ckpt-")), "t.db");
    const { stdout } = await run(process.execPath, ["--import", "tsx", script, file], { timeout: 20_000 });
    expect(stdout.trim()).toBe("written 50");
  });

  it("when the worker fails, commits checkpoint by themselves again and nothing is lost", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "repositori-ckpt-")), "t.db");
    const broken = new URL(`data:text/javascript,${encodeURIComponent("throw new Error('no checkpoints here')")}`);
    const db = new SqliteDb(file, { checkpoints: { workerUrl: broken } });
    await db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    // The worker fails on a thread of its own, whenever that thread gets to start: wait for it (10 s at most).
    const deadline = Date.now() + 10_000;
    while ((await db.query("PRAGMA wal_autocheckpoint"))[0]?.wal_autocheckpoint !== 1000 && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(await db.query("PRAGMA wal_autocheckpoint")).toEqual([{ wal_autocheckpoint: 1000 }]);
    for (let i = 0; i < 1500; i++) {
      await db.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ($1, zeroblob(3000))", [i]));
    }
    // SQLite's own checkpoints ran and restarted the WAL: it holds far fewer than the 1,500 pages written.
    expect(statSync(`${file}-wal`).size).toBeLessThan(1200 * 4096);
    expect(await db.query("SELECT COUNT(*) AS n FROM t")).toEqual([{ n: 1500 }]);
    await db.close();
  });
});
