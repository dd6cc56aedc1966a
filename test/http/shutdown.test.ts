import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { mockInstallationToken, sign, startApp } from "../helpers/app-harness.js";
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

/**
 * GitHub answers the config lookup slowly, so a delivery is mid-way when the App is told to stop.
 * Resolves once the lookup has been answered.
 */
function slowConfigLookup(): Promise<void> {
  mockInstallationToken();
  return new Promise<void>((answered) => {
    nock("https://api.github.com")
      .get(`/repos/Codertocat/Hello-World${CONFIG}`)
      .delay(300)
      .reply(() => {
        answered();
        return [404, { message: "Not Found" }];
      })
      .get(`/repos/Codertocat/.github${CONFIG}`)
      .reply(404, { message: "Not Found" });
  });
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("stopping the App (SIGTERM, a rolling deploy)", () => {
  it("answers and stores the deliveries in flight before it closes the store", async () => {
    const { app, storedXp } = await startOnFile();
    const configAnswered = slowConfigLookup();
    const answer = app.deliver("push", push());
    await pause(100);
    const closed = app.close();
    await configAnswered;
    expect((await answer).status).toBe(200);
    await closed;
    expect(await storedXp()).toBeGreaterThan(0);
  });

  it("stores a delivery whose sender hung up before it closes the store", async () => {
    const { app, storedXp } = await startOnFile();
    const configAnswered = slowConfigLookup();
    const body = JSON.stringify(push());
    // The sender gives up (GitHub does after 10 s) while the App is still working on the delivery.
    const req = request(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": sign(body),
      },
    });
    req.on("error", () => undefined);
    req.end(body);
    await pause(100);
    req.destroy();
    await pause(20);
    const closed = app.close();
    await configAnswered;
    await closed;
    expect(await storedXp()).toBeGreaterThan(0);
  });
});
