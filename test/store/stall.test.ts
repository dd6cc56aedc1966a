import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreBusyError } from "../../src/store/batch-queue.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { FeedInput } from "../../src/store/store.js";
import { createTestDatabase, storeAvailable, type TestDatabase } from "../helpers/stores.js";

const AT = new Date("2026-11-28T10:00:00Z");
const input = (id: string, source: string): FeedInput => ({
  deliveryId: id,
  repo: { id: 4242, owner: "stall", name: "repo", private: false, installationId: 1 },
  feedings: [{ login: "ann", food: "curry", count: 1, sourceKey: source }],
  at: AT,
  day: "2026-11-28",
  utcDay: "2026-11-28",
  dailyCap: 30,
});

/** Polls through `watcher` (up to 10 s) until `sessions` sessions wait for a lock held by session `pid`. */
async function waitForLockWaitBehind(watcher: pg.Client, pid: number, sessions: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await watcher.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))",
      [pid],
    );
    if ((rows[0]?.n ?? 0) >= sessions) return;
    if (Date.now() > deadline) throw new Error(`${sessions} sessions did not wait for the lock within 10 s`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

// A real stall: another session holds a lock the feeding batch needs (a long migration, a manual
// session left open). Deliveries queued behind the stuck batch must fail in time, not hang.
describe.skipIf(!storeAvailable("postgres"))("a stalled PostgreSQL", () => {
  let db: TestDatabase;
  let store: SqlStore;
  let admin: pg.Client;
  /** A session of its own: inside a transaction, pg_stat_activity would show the same snapshot every time. */
  let watcher: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    store = await db.openStore();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
  });
  afterAll(async () => {
    await watcher?.end().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await db?.drop();
  });

  it("fails the deliveries waiting behind the stuck batches, stores the stuck ones once the lock is gone", async () => {
    const { rows } = await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const adminPid = rows[0]?.pid ?? 0;
    await admin.query("BEGIN; LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE");
    const settled = new Set<string>();
    const feed = (id: string, source: string) => store.feed(input(id, source)).finally(() => settled.add(id));
    const first = feed("stall-1", "sha-1");
    await waitForLockWaitBehind(watcher, adminPid, 1);
    // PostgreSQL stores two batches at once (see SqlStore): the second is sent and stuck as well.
    const second = feed("stall-2", "sha-2");
    await waitForLockWaitBehind(watcher, adminPid, 2);
    const third = await store.feed(input("stall-3", "sha-3")).catch((err: unknown) => err);
    expect(third).toBeInstanceOf(StoreBusyError);
    // The stuck batches are still waiting for the lock: nothing was answered for them yet.
    expect([...settled]).toEqual([]);
    await admin.query("COMMIT");
    expect((await first).applied).toHaveLength(1);
    expect((await second).applied).toHaveLength(1);
    // The delivery that gave up left nothing behind: redelivered, it feeds.
    const again = await store.feed(input("stall-3", "sha-3"));
    expect(again.duplicateDelivery).toBe(false);
    expect(again.applied).toHaveLength(1);
  }, 20_000);
});
