import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { FAULT_SECRET, startAppProcess } from "../faults/app-process.js";
import { startFakeGitHub } from "../faults/fake-github.js";
import { makeLoad, post } from "../faults/push-load.js";
import { deliveryHeaders, mockInstallationToken, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";

const CONFIG = `/contents/${encodeURIComponent(".github/dash.yml")}`;
const push = () => dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);

/** The App on a SQLite file, so what it stored can be read after it has stopped. */
async function startOnFile() {
  const file = join(mkdtempSync(join(tmpdir(), "repositori-shutdown-")), "r.db");
  const app = await startApp({ store: await openStore(`sqlite:${file}`) });
  const storedXp = async () => {
    const store = await openStore(`sqlite:${file}`);
    const dash = await store.getRepoDash("Codertocat", "Hello-World", { day: "2000-01-01", top: 1 });
    await store.close();
    return dash?.xp ?? 0;
  };
  return { app, storedXp };
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * GitHub holds its answer to the config lookup until the test releases it, so a delivery is mid-way
 * when the App is told to stop. `asked` resolves once the App has asked (it is handling the delivery).
 */
function heldConfigLookup(): { asked: Promise<void>; release: () => void } {
  mockInstallationToken();
  const asked = signal();
  const released = signal();
  nock("https://api.github.com")
    .get(`/repos/Codertocat/Hello-World${CONFIG}`)
    .reply(async () => {
      asked.resolve();
      await released.promise;
      return [404, { message: "Not Found" }];
    })
    .get(`/repos/Codertocat/.github${CONFIG}`)
    .reply(404, { message: "Not Found" });
  return { asked: asked.promise, release: released.resolve };
}

describe("stopping the App (a rolling deploy)", () => {
  it("answers and stores the deliveries in flight before it closes the store", async () => {
    const { app, storedXp } = await startOnFile();
    const lookup = heldConfigLookup();
    const answer = app.deliver("push", push());
    await lookup.asked;
    const closed = app.close();
    lookup.release();
    expect((await answer).status).toBe(200);
    await closed;
    expect(await storedXp()).toBeGreaterThan(0);
  });

  it("stores a delivery whose sender hung up before it closes the store", async () => {
    const { app, storedXp } = await startOnFile();
    const lookup = heldConfigLookup();
    const hungUp = signal();
    app.server.once("connection", (socket: Socket) => socket.once("close", hungUp.resolve));
    const body = JSON.stringify(push());
    // The sender gives up (GitHub does after 10 s) while the App is still working on the delivery.
    const req = request(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: deliveryHeaders("push", body),
    });
    req.on("error", () => undefined);
    req.end(body);
    await lookup.asked;
    req.destroy();
    // The App has seen the connection go before it is told to stop.
    await hungUp.promise;
    const closed = app.close();
    lookup.release();
    await closed;
    expect(await storedXp()).toBeGreaterThan(0);
  });
});

describe("SIGTERM to the App's process", () => {
  it("answers the delivery in flight, stores it and exits with code 0", async () => {
    const [delivery] = makeLoad({ repos: 1, logins: 1, pushes: 1, redeliveryShare: 0 });
    if (!delivery) throw new Error("no delivery");
    const asked = signal();
    const released = signal();
    const configPath = `/repos/${delivery.repo.owner}/${delivery.repo.name}/contents/`;
    const github = await startFakeGitHub({
      hold: (_route, path) => {
        if (!path.startsWith(configPath)) return undefined;
        asked.resolve();
        return released.promise;
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), "repositori-sigterm-")), "r.db");
    // At info level the App logs when it starts to shut down.
    const app = await startAppProcess({
      databaseUrl: `sqlite:${file}`,
      githubUrl: github.url,
      env: { LOG_LEVEL: "info" },
    }).catch(async (err: unknown) => {
      await github.close();
      throw err;
    });
    try {
      const answer = post(app.url, delivery, FAULT_SECRET);
      await asked.promise;
      const exited = app.kill("SIGTERM");
      await app.waitForOutput("SIGTERM: shutting down");
      released.resolve();
      expect(await answer, app.output()).toBe(200);
      expect(await exited, app.output()).toBe("exit 0");
    } finally {
      released.resolve();
      await app.kill("SIGKILL");
      await github.close();
    }

    const store = await openStore(`sqlite:${file}`);
    try {
      const deliveries = await store.db.query<{ id: string }>("SELECT id FROM deliveries");
      expect(deliveries.map((r) => r.id)).toEqual([delivery.id]);
      const eaten = await store.db.query<{ source_key: string }>("SELECT source_key FROM fed_sources");
      expect(eaten.map((r) => r.source_key).sort()).toEqual(delivery.commits.map((c) => `commit:${c.sha}`).sort());
    } finally {
      await store.close();
    }
  }, 60_000);
});
