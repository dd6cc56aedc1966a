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

/** Polls through `watcher` (up to 10 s) until a session waits for a lock held by session `pid`. */
async function waitForLockWaitBehind(watcher: pg.Client, pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await watcher.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))",
      [pid],
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error("no session waited for the lock within 10 s");
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

  it("fails the deliveries waiting behind a stuck batch, stores the stuck one once the lock is gone", async () => {
    const { rows } = await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const adminPid = rows[0]?.pid ?? 0;
    await admin.query("BEGIN; LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE");
    let firstSettled = false;
    const first = store.feed(input("stall-1", "sha-1")).finally(() => {
      firstSettled = true;
    });
    // The first batch is stuck once its session waits for the lock the admin session holds.
    await waitForLockWaitBehind(watcher, adminPid);
    const second = await store.feed(input("stall-2", "sha-2")).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(StoreBusyError);
    // The stuck batch is still waiting for the lock: nothing was answered for it yet.
    expect(firstSettled).toBe(false);
    await admin.query("COMMIT");
    expect((await first).applied).toHaveLength(1);
    // The delivery that gave up left nothing behind: redelivered, it feeds.
    const again = await store.feed(input("stall-2", "sha-2"));
    expect(again.duplicateDelivery).toBe(false);
    expect(again.applied).toHaveLength(1);
  }, 20_000);
});
