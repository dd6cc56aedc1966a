import { afterAll, describe, expect, it } from "vitest";
import { VIEW_TTL_MS } from "../../src/http/card-views.js";
import { http } from "../helpers/http.js";
import { createTestDatabase, PG_ADMIN_URL, storeAvailable } from "../helpers/stores.js";
import { FAULT_SECRET, startAppProcess } from "./app-process.js";
import { startFakeGitHub } from "./fake-github.js";
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
import { startTcpProxy } from "./tcp-proxy.js";

const SPEC: LoadSpec = { repos: 4, logins: 10, pushes: 240, redeliveryShare: 0 };

describe.skipIf(!storeAvailable("postgres"))("PostgreSQL unreachable for a while", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it("answers webhooks 503 and shows the last card while it is down, and recovers by itself", async () => {
    const github = await startFakeGitHub();
    cleanup.push(() => github.close());
    const db = await createTestDatabase("postgres");
    cleanup.push(() => db.drop());
    const pg = new URL(PG_ADMIN_URL);
    const proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const app = await startAppProcess({ databaseUrl: viaProxy.toString(), githubUrl: github.url });
    cleanup.push(() => app.kill("SIGKILL"));

    const deliveries = makeLoad(SPEC);
    const before = deliveries.slice(0, 80);
    const during = deliveries.slice(80, 160);
    const after = deliveries.slice(160);
    const send = async (batch: typeof deliveries) => {
      const agent = keepAlive();
      const statuses = await inParallel(batch, 8, (d) => post(app.url, d, FAULT_SECRET, agent));
      agent.destroy();
      return statuses;
    };
    /** Sends `batch` while the database is up: a 503 (it did not keep up in time) is redelivered, as GitHub would. */
    const feed = async (batch: typeof deliveries) => {
      const agent = keepAlive();
      const answers = await inParallel(batch, 8, (d) => postRedelivering(() => post(app.url, d, FAULT_SECRET, agent)));
      agent.destroy();
      return redeliveryProblems(answers);
    };

    expect(await feed(before), app.output()).toEqual([]);
    const cardPath = `/dash/${before[0]?.repo.owner}/${before[0]?.repo.name}.svg`;
    const card = await http(`${app.url}${cardPath}`);
    expect(card.status).toBe(200);
    const cardShownAt = Date.now();

    proxy.cut();
    const failed = await send(during);
    // Every delivery fails loudly, so GitHub lists it as failed and it can be redelivered: 503, the
    // server's way of saying "not now, try again".
    expect(new Set(failed)).toEqual(new Set([503]));
    const health = await http(`${app.url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.json().store).toMatch(/database unreachable/);
    // Public: the kind of failure only; where the database is and what it said go to the log.
    expect(health.text()).not.toMatch(/127\.0\.0\.1|ECONN|terminated/);
    // Logged once; the delivery errors logged around it may have pushed it out of the output's tail.
    await app.waitForOutput("health check: the store does not answer");
    // The badge: once the card's short view cache has expired, the last card drawn is shown.
    await new Promise((done) => setTimeout(done, Math.max(0, cardShownAt + VIEW_TTL_MS + 500 - Date.now())));
    const stale = await http(`${app.url}${cardPath}`);
    expect(stale.status).toBe(200);
    expect(stale.text()).toBe(card.text());
    // Serving what needs no database still works, and nothing crashed.
    expect((await http(`${app.url}/metrics`)).status).toBe(200);
    expect(app.child.exitCode).toBeNull();

    proxy.restore();
    // No restart, no operator: the next requests find the database again.
    let healthy = false;
    for (const deadline = Date.now() + 30_000; !healthy && Date.now() < deadline; ) {
      healthy = (await http(`${app.url}/healthz`)).status === 200;
      if (!healthy) await new Promise((done) => setTimeout(done, 100));
    }
    expect(healthy).toBe(true);
    expect(await feed(after), app.output()).toEqual([]);
    // The operator redelivers the failed ones.
    expect(await feed(during), app.output()).toEqual([]);

    const store = await db.openStore();
    await expectExactXp(store, SPEC, deliveries);
    expect(app.child.exitCode).toBeNull();
  }, 90_000);
});
