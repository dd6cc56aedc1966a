import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";

let app: Harness;
beforeEach(async () => {
  app = await startApp();
});
afterEach(async () => {
  await app.close();
});

describe("push over HTTP", () => {
  it("feeds a signed push for a Dart repo and shows it in the JSON API", async () => {
    const payload = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const res = await app.deliver("push", payload);
    expect(res.status).toBe(200);
    const state = (await app.get("/api/v1/repos/Codertocat/Hello-World")).json();
    expect(state.xp).toBeGreaterThan(0);
  });
});
