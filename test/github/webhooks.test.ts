import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, mockConfig, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload, examplesOf } from "../helpers/examples.js";

type Payload = Record<string, unknown>;
let app: Harness;

beforeEach(async () => {
  app = await startApp();
});
afterEach(async () => {
  await app.close();
});

const installationOf = (p: Payload) => (p.installation as { id: number }).id;

/** Replays a payload through Probot exactly as a delivery would arrive. */
async function receive(name: string, payload: Payload, id: string = randomUUID()) {
  // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
  await app.probot?.receive({ id, name, payload } as any);
}

async function repoState() {
  const res = await app.get("/api/v1/repos/Codertocat/Hello-World");
  expect(res.status).toBe(200);
  return res.json();
}

function expectGitHubCalls(payload: Payload) {
  mockInstallationToken(installationOf(payload));
  mockNoConfig("Codertocat", "Hello-World");
}

describe("replays of recorded payloads", () => {
  it("push: a curry for each distinct commit, to the repo's and the author's Dash", async () => {
    const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    expectGitHubCalls(push);
    await receive("push", push);
    const state = await repoState();
    expect(state).toMatchObject({ xp: 10, level: 1, totalFoods: 1, foodsByKind: { curry: 1 }, mood: "happy" });
    expect(state.contributors).toEqual([{ login: "Codertocat", xp: 10, level: 1 }]);
    const user = (await app.get("/api/v1/users/codertocat")).json();
    expect(user).toMatchObject({ kind: "user", subject: "Codertocat", xp: 10 });
  });

  it("issues.opened: one ramen", async () => {
    const payload = dartPayload("issues", "opened");
    expectGitHubCalls(payload);
    await receive("issues", payload);
    expect(await repoState()).toMatchObject({ xp: 10, foodsByKind: { ramen: 1 } });
  });

  it("pull_request.opened then merged: two mapo tofu and the feast (70 XP, level 3)", async () => {
    const opened = dartPayload("pull_request", "opened", (p) => p.installation !== undefined);
    expectGitHubCalls(opened);
    await receive("pull_request", opened);
    const closed = dartPayload("pull_request", "closed");
    (closed.pull_request as Payload).merged = true;
    closed.installation = opened.installation;
    await receive("pull_request", closed);
    const state = await repoState();
    expect(state).toMatchObject({ xp: 70, level: 3, totalFoods: 7, foodsByKind: { mapo_tofu: 2, feast: 5 } });
    expect(state.xpToNextLevel).toBe(70);
  });

  it("pull_request.closed without merge feeds nothing and costs no API call", async () => {
    const closed = dartPayload("pull_request", "closed");
    await receive("pull_request", closed);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("pull_request_review.submitted: a tteokbokki for a reviewer, nothing for the author", async () => {
    const own = dartPayload("pull_request_review", "submitted", (p) => p.installation !== undefined);
    expectGitHubCalls(own);
    await receive("pull_request_review", own);
    const other = dartPayload("pull_request_review", "submitted", (p) => p.installation !== undefined);
    (other.review as Payload).user = { login: "octocat", type: "User" };
    (other.review as Payload).id = 99;
    await receive("pull_request_review", other);
    const state = await repoState();
    expect(state).toMatchObject({ xp: 10, foodsByKind: { tteokbokki: 1 } });
    expect(state.contributors).toEqual([{ login: "octocat", xp: 10, level: 1 }]);
  });

  it("installation and installation_repositories record which repos are installed", async () => {
    for (const p of examplesOf("installation", "created")) await receive("installation", p);
    for (const p of examplesOf("installation_repositories")) await receive("installation_repositories", p);
    const space = await app.store.getRepo("Codertocat", "Space");
    expect(space).toMatchObject({ installed: true, installationId: 957387 });
    const hello = await app.store.getRepo("Codertocat", "Hello-World");
    expect(hello).toMatchObject({ installed: true, private: false });
    expect(hello?.badgeToken).toMatch(/^[\w-]{20,}$/);
    for (const p of examplesOf("installation", "deleted")) await receive("installation", p);
    expect((await app.store.getRepo("octocat", "Hello-World"))?.installed ?? false).toBe(false);
  });

  it("repository: a fed repo made private hides at once, public again shows; unknown repos stay unstored", async () => {
    const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    expectGitHubCalls(push);
    await receive("push", push);
    const [privatized] = examplesOf("repository", "privatized");
    const [publicized] = examplesOf("repository", "publicized");
    if (!privatized || !publicized) throw new Error("no privatized/publicized examples");
    // The recorded events are about the repo the push fed.
    expect((privatized.repository as Payload).id).toBe((push.repository as Payload).id);
    const told: (number | null)[] = [];
    app.settings.onAccessChange((id) => told.push(id));
    await receive("repository", privatized);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
    // Cards kept for outages are told to forget it (once: it was public before).
    expect(told).toEqual([(push.repository as Payload).id]);
    const token = (await app.store.getRepo("Codertocat", "Hello-World"))?.badgeToken;
    expect((await app.get(`/api/v1/repos/Codertocat/Hello-World?token=${token}`)).json()).toMatchObject({ xp: 10 });
    await receive("repository", publicized);
    expect(await repoState()).toMatchObject({ xp: 10 });
    expect(told).toHaveLength(1);
    // A repo the App never stored gets no row from its repository events.
    for (const p of examplesOf("repository", "renamed")) await receive("repository", p);
    expect(await app.store.getRepo("Octocoders", "Hello-World")).toBeNull();
  });

  it("events it does not handle are ignored without calls", async () => {
    for (const p of examplesOf("issues", "labeled")) await receive("issues", p);
    for (const p of examplesOf("star")) await receive("star", p);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });
});

describe("the Dart check", () => {
  it("asks GitHub's languages list once for a burst of events on a repo without a Dart payload language", async () => {
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const languages = nock("https://api.github.com")
      .get("/repos/Codertocat/Hello-World/languages")
      .once()
      .reply(200, { Dart: 12000, Kotlin: 300 });
    const burst = Array.from({ length: 20 }, (_, i) => {
      const p = dartPayload("issues", "opened");
      (p.repository as Payload).language = "Kotlin";
      (p.issue as Payload).id = 1000 + i;
      return receive("issues", p);
    });
    await Promise.all(burst);
    expect(languages.isDone()).toBe(true);
    expect((await repoState()).xp).toBe(200);
  });

  it("a repo without Dart feeds nothing", async () => {
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    nock("https://api.github.com").get("/repos/Codertocat/Hello-World/languages").reply(200, { Ruby: 100 });
    const p = dartPayload("issues", "opened");
    (p.repository as Payload).language = "Ruby";
    await receive("issues", p);
    await receive("issues", p, randomUUID());
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("dash.yml `enabled: false` wins over a Dart language, `enabled: true` feeds a Ruby repo", async () => {
    mockInstallationToken();
    mockConfig("Codertocat", "Hello-World", "enabled: false\n");
    await receive("issues", dartPayload("issues", "opened"));
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);

    app.settings.invalidateConfig(186853002);
    mockConfig("Codertocat", "Hello-World", "enabled: true\n");
    const ruby = dartPayload("issues", "opened");
    (ruby.repository as Payload).language = "Ruby";
    await receive("issues", ruby);
    expect((await repoState()).xp).toBe(10);
  });

  it("a broken dash.yml never stops Dash: defaults apply", async () => {
    mockInstallationToken();
    mockConfig("Codertocat", "Hello-World", "timezone: [unclosed\n");
    await receive("issues", dartPayload("issues", "opened"));
    expect((await repoState()).xp).toBe(10);
  });

  it("a push changing .github/dash.yml on the default branch refreshes the cached config", async () => {
    mockInstallationToken();
    mockConfig("Codertocat", "Hello-World", "foods:\n  push: 2\n");
    const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    await receive("push", push);
    expect((await repoState()).xp).toBe(20);
    const change = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    const commit = (change.commits as Payload[])[0] as Payload;
    commit.id = "f".repeat(40);
    commit.modified = [".github/dash.yml"];
    mockConfig("Codertocat", "Hello-World", "foods:\n  push: 3\n");
    await receive("push", change);
    expect((await repoState()).xp).toBe(50);
  });
});

describe("a slow GitHub", () => {
  it("answers 503 before Probot's 'still processing' when the settings lookup is late, and stores nothing", async () => {
    const slow = await startApp({ answerWithinMs: 200 });
    try {
      mockInstallationToken();
      mockNoConfig("Codertocat", "Hello-World", { delayMs: 600 });
      const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
      const id = randomUUID();
      const res = await slow.deliver("push", push, { id });
      expect(res.status).toBe(503);
      expect(res.text()).toMatch(/GitHub did not answer the repo's settings lookup .* within 175 ms/);
      expect((await slow.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
      // The lookup carried on into the cache: GitHub's redelivery of the same delivery feeds Dash
      // (503 again while the lookup is still under way).
      const deadline = Date.now() + 10_000;
      let again = await slow.deliver("push", push, { id });
      while (again.status === 503 && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 100));
        again = await slow.deliver("push", push, { id });
      }
      expect(again.status).toBe(200);
      expect((await slow.get("/api/v1/repos/Codertocat/Hello-World")).json()).toMatchObject({ xp: 10 });
    } finally {
      await slow.close();
    }
  });
});
