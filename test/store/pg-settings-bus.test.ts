import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RepoSettingsCache, type RepoSettingsSource } from "../../src/github/repo-settings.js";
import type { Db } from "../../src/store/db.js";
import { PgSettingsBus } from "../../src/store/pg-settings-bus.js";
import { logSink } from "../helpers/log-sink.js";
import { createTestDatabase, PG_ADMIN_URL, storeAvailable, type TestDatabase } from "../helpers/stores.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup.length = 0;
});

/** One replica's settings cache on `db`, counting the config reads it makes of GitHub. */
async function replica(db: TestDatabase) {
  const pool: Db = await db.openDb();
  const { sink, lines } = logSink();
  const bus = await new PgSettingsBus(db.url, pool, pino({ level: "warn" }, sink)).start();
  cleanup.push(() => bus.close());
  const cache = new RepoSettingsCache({ ttlMs: 24 * 3600_000, bus });
  const reads = new Map<number, number>();
  const source = (repoId: number): RepoSettingsSource => ({
    repoId,
    payloadLanguage: "Dart",
    loadConfig: async () => {
      reads.set(repoId, (reads.get(repoId) ?? 0) + 1);
      return null;
    },
    listLanguages: async () => ["Dart"],
  });
  return {
    bus,
    cache,
    readsOf: (id: number) => reads.get(id) ?? 0,
    get: (id: number) => cache.get(source(id)),
    logs: lines,
  };
}

/** Waits (up to 10 s) until `check` passes; notifications arrive asynchronously. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the condition did not hold within 10 s");
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe.skipIf(!storeAvailable("postgres"))("settings changes between replicas (PostgreSQL LISTEN/NOTIFY)", () => {
  it("a config change seen by one replica makes the others read the config again", async () => {
    const db = await createTestDatabase("postgres");
    cleanup.push(() => db.drop());
    const a = await replica(db);
    const b = await replica(db);
    for (const r of [a, b]) {
      await r.get(1);
      await r.get(2);
    }
    await a.get(3);
    a.cache.invalidateConfig(1);
    await a.get(1);
    expect(a.readsOf(1)).toBe(2);
    await eventually(async () => {
      await b.get(1);
      return b.readsOf(1) === 2;
    });
    await b.get(2);
    expect(b.readsOf(2)).toBe(1);
    // Its own notification does not make A read again. B's next change is sent after A's own
    // notification (B has received that one), and notifications arrive in the order they were sent:
    // once A has received B's change, it has received its own.
    b.cache.invalidateConfig(3);
    await eventually(async () => {
      await a.get(3);
      return a.readsOf(3) === 2;
    });
    await a.get(1);
    expect(a.readsOf(1)).toBe(2);

    // The owner's .github repository changed: every repo's config is read again.
    b.cache.invalidateAllConfigs();
    await eventually(async () => {
      await a.get(2);
      return a.readsOf(2) === 2;
    });
  });

  it("tells every replica of a changed access (a rotated token), and leaves their configs cached", async () => {
    const db = await createTestDatabase("postgres");
    cleanup.push(() => db.drop());
    const a = await replica(db);
    const b = await replica(db);
    const told: Record<string, (number | null)[]> = { a: [], b: [] };
    a.cache.onAccessChange((id) => told.a?.push(id));
    b.cache.onAccessChange((id) => told.b?.push(id));
    await b.get(4);
    a.cache.accessChanged(4);
    // Told at once where it happened, and by the bus elsewhere; not twice where it happened.
    expect(told.a).toEqual([4]);
    await eventually(async () => told.b?.length === 1);
    expect(told.b).toEqual([4]);
    // A config change sent after it: once B has that one, A's own access change has reached A too.
    b.cache.invalidateConfig(5);
    await eventually(async () => {
      await a.get(5);
      return a.readsOf(5) === 2;
    });
    expect(told.a).toEqual([4]);
    await b.get(4);
    expect(b.readsOf(4)).toBe(1);
    // A change of every repo's settings (the owner's .github repository) is not an access change.
    b.cache.invalidateAllConfigs();
    await eventually(async () => {
      await a.get(5);
      return a.readsOf(5) === 3;
    });
    expect(told.a).toEqual([4]);
  });

  it("keeps replicas of another schema in the same database out of it", async () => {
    const one = await createTestDatabase("postgres");
    const other = await createTestDatabase("postgres");
    cleanup.push(
      () => one.drop(),
      () => other.drop(),
    );
    const a = await replica(one);
    const b = await replica(one);
    const stranger = await replica(other);
    const strangersNeighbour = await replica(other);
    await stranger.get(1);
    await stranger.get(2);
    await b.get(1);
    a.cache.invalidateConfig(1);
    await eventually(async () => {
      await b.get(1);
      return b.readsOf(1) === 2;
    });
    // A change in the other schema, sent after A's: every notification of the database reaches a
    // listener in the order sent, so once the stranger has this one, A's would have come before it.
    strangersNeighbour.cache.invalidateConfig(2);
    await eventually(async () => {
      await stranger.get(2);
      return stranger.readsOf(2) === 2;
    });
    await stranger.get(1);
    expect(stranger.readsOf(1)).toBe(1);
  });

  it("after losing its listening connection, reconnects by itself and reads every config again", async () => {
    const db = await createTestDatabase("postgres");
    cleanup.push(() => db.drop());
    const a = await replica(db);
    await a.get(7);
    // Access changes sent meanwhile are lost too: its listeners hear that any repo's may have changed.
    const told: (number | null)[] = [];
    a.cache.onAccessChange((id) => told.push(id));
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    cleanup.push(() => admin.end());
    // Notifications sent while it was away are lost: what it had cached may be stale.
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [
      `LISTEN "${a.bus.channel}"`,
    ]);
    expect(rowCount).toBe(1);
    await eventually(async () => {
      await a.get(7);
      return a.readsOf(7) === 2;
    });
    expect(a.logs.join("")).toContain("lost the connection that listens for settings changes");
    expect(told).toEqual([null]);
  });
});
