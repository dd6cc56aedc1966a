import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, storeAvailable, type TestDatabase } from "../helpers/stores.js";
import { type AppProcess, FAULT_SECRET, startAppProcess } from "./app-process.js";
import { type FakeGitHub, startFakeGitHub } from "./fake-github.js";
import {
  expectExactXp,
  inParallel,
  keepAlive,
  type LoadSpec,
  makeLoad,
  post,
  postRedelivering,
  redeliveryProblems,
} from "./push-load.js";

const SPEC: LoadSpec = { repos: 10, logins: 40, pushes: 1600, redeliveryShare: 0.2 };

// PostgreSQL is how replicas share a database; on SQLite, two processes on one file (e.g. a process
// manager's cluster mode) must keep the same promise, each holding the delivery ids in memory and
// reading what the other appended to the log inside each write transaction.
for (const kind of ["postgres", "sqlite"] as const)
  describe.skipIf(!storeAvailable(kind))(`two App processes on one ${kind} database`, () => {
    let github: FakeGitHub;
    let db: TestDatabase;
    let apps: AppProcess[] = [];
    beforeAll(async () => {
      github = await startFakeGitHub();
      db = await createTestDatabase(kind);
      // Both start at once on an empty database: they race to migrate it.
      apps = await Promise.all([0, 1].map(() => startAppProcess({ databaseUrl: db.url, githubUrl: github.url })));
    }, 90_000);
    afterAll(async () => {
      for (const app of apps) await app.kill("SIGTERM");
      await db?.drop();
      await github?.close();
    });

    it("feeds exactly the expected XP from 2,000 parallel deliveries, 20 % of them redelivered", async () => {
      const deliveries = makeLoad(SPEC);
      expect(deliveries).toHaveLength(2000);
      expect(new Set(deliveries.map((d) => d.id)).size).toBe(1600);
      const agents = apps.map(() => keepAlive());
      // Each delivery goes to either process; a redelivered id often lands on the other one, at the same time.
      // A 503 (the database did not keep up in time, on a loaded machine) is redelivered, as GitHub would.
      const answers = await inParallel(deliveries, 64, (d, i) => {
        const which = (i + d.id.charCodeAt(0)) % apps.length;
        return postRedelivering(() => post(apps[which]?.url ?? "", d, FAULT_SECRET, agents[which]));
      });
      for (const a of agents) a.destroy();
      expect(redeliveryProblems(answers), apps.map((a) => a.output().slice(-4000)).join("\n")).toEqual([]);

      const store = await db.openStore();
      await expectExactXp(store, SPEC, deliveries);
      const [{ n } = { n: 0 }] = await store.db.query<{ n: number }>(
        "SELECT CAST(COUNT(*) AS INTEGER) AS n FROM deliveries",
      );
      expect(Number(n)).toBe(1600);
      // Settings are cached per process: GitHub was asked once per repo (and token) per process, not per delivery.
      expect(github.total()).toBeLessThanOrEqual(apps.length * (1 + SPEC.repos * 2));
    }, 120_000);
  });
