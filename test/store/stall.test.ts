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

// A real stall: another session holds a lock the feeding batch needs (a long migration, a manual
// session left open). Deliveries queued behind the stuck batch must fail in time, not hang.
describe.skipIf(!storeAvailable("postgres"))("a stalled PostgreSQL", () => {
  let db: TestDatabase;
  let store: SqlStore;
  let admin: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    store = await db.openStore();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await db?.drop();
  });

  it("fails the deliveries waiting behind a stuck batch, stores the stuck one once the lock is gone", async () => {
    await admin.query("BEGIN; LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE");
    let firstSettled = false;
    const first = store.feed(input("stall-1", "sha-1")).finally(() => {
      firstSettled = true;
    });
    await new Promise((done) => setTimeout(done, 50));
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
