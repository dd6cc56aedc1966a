import { afterAll, describe, expect, it } from "vitest";
import { dayKey } from "../../src/domain/time.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import { createTestDatabase, STORE_KINDS, storeAvailable, type TestDatabase } from "../helpers/stores.js";
import { type AppProcess, FAULT_SECRET, startAppProcess } from "./app-process.js";
import { startFakeGitHub } from "./fake-github.js";
import {
  type Delivery,
  expectedXp,
  inParallel,
  keepAlive,
  type LoadSpec,
  makeLoad,
  post,
  postRedelivering,
  redeliveryProblems,
  storedXp,
} from "./push-load.js";

const SPEC: LoadSpec = { repos: 5, logins: 20, pushes: 600, redeliveryShare: 0 };
/** The process is killed once this many deliveries have been answered 2xx. */
const KILL_AFTER = 150;

async function snapshot(store: SqlStore) {
  const totals = await storedXp(store, SPEC, dayKey(new Date(), "UTC"));
  const [row] = await store.db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM feedings");
  return { ...totals, feedings: Number(row?.n) };
}

for (const kind of STORE_KINDS) {
  describe.skipIf(!storeAvailable(kind))(`SIGKILL in the middle of a load (${kind})`, () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const fn of cleanup.reverse()) await fn();
    });

    it("keeps every delivery answered 2xx, restarts without help, and a full redelivery changes nothing", async () => {
      const github = await startFakeGitHub();
      cleanup.push(() => github.close());
      const db: TestDatabase = await createTestDatabase(kind);
      cleanup.push(() => db.drop());
      const start = async () => {
        const app = await startAppProcess({ databaseUrl: db.url, githubUrl: github.url });
        cleanup.push(() => app.kill("SIGKILL"));
        return app;
      };
      const deliveries = makeLoad(SPEC);
      let victim: AppProcess = await start();
      let answered = 0;
      const agent = keepAlive();
      const statuses = await inParallel(deliveries, 16, async (d) => {
        const status = await post(victim.url, d, FAULT_SECRET, agent);
        if (status >= 200 && status < 300 && ++answered === KILL_AFTER) void victim.kill("SIGKILL");
        return status;
      });
      agent.destroy();
      expect(await victim.exited).toBe("SIGKILL");
      const acknowledged = deliveries.filter((_, i) => (statuses[i] ?? 0) >= 200 && (statuses[i] ?? 0) < 300);
      // Killed mid-load: some deliveries were answered, the rest never were.
      expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(acknowledged.length).toBeLessThan(deliveries.length);

      // Restart on the same database, as a supervisor would: no repair step in between.
      victim = await start();
      const store = await db.openStore();
      const stored = new Set((await store.db.query<{ id: string }>("SELECT id FROM deliveries")).map((r) => r.id));
      const eaten = new Set(
        (
          await store.db.query<{ repo_id: number | string; source_key: string }>(
            "SELECT repo_id, source_key FROM fed_sources",
          )
        ).map((r) => `${Number(r.repo_id)}:${r.source_key}`),
      );
      const lost = acknowledged.filter(
        (d: Delivery) => !stored.has(d.id) || d.commits.some((c) => !eaten.has(`${d.repo.id}:commit:${c.sha}`)),
      );
      expect(lost.map((d) => d.id)).toEqual([]);

      // GitHub's "redeliver" for everything: what was stored is recognised, what was lost feeds now.
      // A 503 (the database did not keep up in time) is redelivered again, as GitHub would.
      const redeliver = async () => {
        const a = keepAlive();
        const again = await inParallel(deliveries, 16, (d) =>
          postRedelivering(() => post(victim.url, d, FAULT_SECRET, a)),
        );
        a.destroy();
        expect(redeliveryProblems(again), victim.output()).toEqual([]);
      };
      await redeliver();
      const expected = expectedXp(deliveries);
      const first = await snapshot(store);
      expect(first.repos).toEqual(expected.repos);
      expect(first.users).toEqual(expected.users);
      expect(first.contributors).toEqual(expected.contributors);
      await redeliver();
      expect(await snapshot(store)).toEqual(first);
    }, 120_000);
  });
}
