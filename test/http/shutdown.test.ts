import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { mockInstallationToken, startApp } from "../helpers/app-harness.js";
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
});
