import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { mockInstallationToken, startApp, WEBHOOK_SECRET } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";

const CONFIG = `/contents/${encodeURIComponent(".github/dash.yml")}`;

describe("stopping the App (SIGTERM, a rolling deploy)", () => {
  it("answers and stores the deliveries in flight before it closes the store", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "repositori-shutdown-")), "r.db");
    const app = await startApp({ store: await openStore(`sqlite:${file}`) });
    mockInstallationToken();
    // GitHub is slow to answer the config lookup: the delivery is mid-way when the App is told to stop.
    let asked!: () => void;
    const configAsked = new Promise<void>((done) => {
      asked = done;
    });
    nock("https://api.github.com")
      .get(`/repos/Codertocat/Hello-World${CONFIG}`)
      .delay(300)
      .reply(() => {
        asked();
        return [404, { message: "Not Found" }];
      })
      .get(`/repos/Codertocat/.github${CONFIG}`)
      .reply(404, { message: "Not Found" });
    const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    const answer = app.deliver("push", push);
    await new Promise((done) => setTimeout(done, 100));
    const closed = app.close();
    await configAsked;
    expect((await answer).status).toBe(200);
    await closed;

    const store = await openStore(`sqlite:${file}`);
    const dash = await store.getRepoDash("Codertocat", "Hello-World", { day: "2000-01-01", top: 1 });
    expect(dash?.xp).toBeGreaterThan(0);
    await store.close();
  });

  it("stores a delivery whose sender hung up before it closes the store", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "repositori-shutdown-")), "r.db");
    const app = await startApp({ store: await openStore(`sqlite:${file}`) });
    mockInstallationToken();
    let asked!: () => void;
    const configAsked = new Promise<void>((done) => {
      asked = done;
    });
    nock("https://api.github.com")
      .get(`/repos/Codertocat/Hello-World${CONFIG}`)
      .delay(300)
      .reply(() => {
        asked();
        return [404, { message: "Not Found" }];
      })
      .get(`/repos/Codertocat/.github${CONFIG}`)
      .reply(404, { message: "Not Found" });
    const body = JSON.stringify(dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0));
    // The sender gives up (GitHub does after 10 s) while the App is still working on the delivery.
    const req = request(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
      },
    });
    req.on("error", () => undefined);
    req.end(body);
    await new Promise((done) => setTimeout(done, 100));
    req.destroy();
    await new Promise((done) => setTimeout(done, 20));
    const closed = app.close();
    await configAsked;
    await closed;

    const store = await openStore(`sqlite:${file}`);
    const dash = await store.getRepoDash("Codertocat", "Hello-World", { day: "2000-01-01", top: 1 });
    expect(dash?.xp).toBeGreaterThan(0);
    await store.close();
  });
});
