import nock from "nock";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { lazyInstallationClients } from "../../src/github/lazy-octokit.js";
import { mockInstallationToken, PRIVATE_KEY, TestOctokit } from "../helpers/app-harness.js";
import { examplesOf } from "../helpers/examples.js";

/** A Probot whose Octokit class counts the clients it really builds. */
function countingProbot() {
  const built: string[] = [];
  const Counting = TestOctokit.plugin((_octokit, options) => {
    const auth = options.auth as { installationId?: number } | undefined;
    built.push(auth?.installationId ? `installation ${auth.installationId}` : "app");
  });
  const probot = new Probot({
    appId: 1,
    privateKey: PRIVATE_KEY,
    secret: "s",
    log: pino({ level: "silent" }),
    Octokit: lazyInstallationClients(Counting),
  });
  return { probot, built };
}

const push = () => {
  const payload = structuredClone(examplesOf("push")[0]) as Record<string, unknown>;
  payload.installation = { id: 4242 };
  return payload;
};

describe("lazyInstallationClients", () => {
  it("builds no installation client for an event whose handler never calls GitHub", async () => {
    const { probot, built } = countingProbot();
    let seen: unknown;
    probot.on("push", async (context) => {
      seen = context.octokit;
    });
    // biome-ignore lint/suspicious/noExplicitAny: a recorded payload is untyped JSON
    await probot.receive({ id: "d-1", name: "push", payload: push() } as any);
    expect(seen).toBeInstanceOf(ProbotOctokit);
    expect(built.filter((b) => b.startsWith("installation"))).toEqual([]);
  });

  it("builds the client on its first use, with the installation's token and Probot's delivery header", async () => {
    const { probot, built } = countingProbot();
    mockInstallationToken(4242);
    // Answered only when both headers are there: the installation's token, and the delivery header
    // Probot's Context adds to every event's client (recorded before the client existed, then replayed).
    nock("https://api.github.com", { reqheaders: { authorization: "token ghs_test", "x-github-delivery": "d-2" } })
      .get("/repos/Codertocat/Hello-World/languages")
      .reply(200, { Dart: 1200 });
    let languages: unknown;
    probot.on("push", async (context) => {
      languages = (await context.octokit.rest.repos.listLanguages({ owner: "Codertocat", repo: "Hello-World" })).data;
    });
    // biome-ignore lint/suspicious/noExplicitAny: a recorded payload is untyped JSON
    await probot.receive({ id: "d-2", name: "push", payload: push() } as any);
    expect(languages).toEqual({ Dart: 1200 });
    expect(built.filter((b) => b.startsWith("installation"))).toEqual(["installation 4242"]);
  });

  it("gives every event its own client, with its installation's token and its own delivery header", async () => {
    const { probot, built } = countingProbot();
    // One token per installation (the later events' clients share the first one's token cache), and
    // each installation's requests carry its own token.
    const tokens = [
      mockInstallationToken(4242),
      nock("https://api.github.com")
        .post("/app/installations/77/access_tokens")
        .reply(201, { token: "ghs_other", expires_at: "2099-01-01T00:00:00Z", permissions: {} }),
    ];
    for (const [delivery, token] of [
      ["d-3", "ghs_test"],
      ["d-4", "ghs_test"],
      ["d-5", "ghs_other"],
    ] as const) {
      nock("https://api.github.com", { reqheaders: { authorization: `token ${token}`, "x-github-delivery": delivery } })
        .get("/repos/Codertocat/Hello-World/languages")
        .reply(200, { Dart: 1 });
    }
    const clients = new Set<unknown>();
    probot.on("push", async (context) => {
      clients.add(context.octokit);
      await context.octokit.rest.repos.listLanguages({ owner: "Codertocat", repo: "Hello-World" });
    });
    const other = push();
    other.installation = { id: 77 };
    for (const [id, payload] of [
      ["d-3", push()],
      ["d-4", push()],
      ["d-5", other],
    ] as const) {
      // biome-ignore lint/suspicious/noExplicitAny: a recorded payload is untyped JSON
      await probot.receive({ id, name: "push", payload } as any);
    }
    expect(clients.size).toBe(3);
    for (const scope of tokens) expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
    // Each built for its own installation, the second 4242 one from how the first was built.
    expect(built.filter((b) => b.startsWith("installation"))).toEqual([
      "installation 4242",
      "installation 4242",
      "installation 77",
    ]);
  });

  it("after an installation's clients are remembered, its suspension still gets no token and probot.auth(id) does", async () => {
    const { probot } = countingProbot();
    mockInstallationToken(4242);
    nock("https://api.github.com", { reqheaders: { authorization: "token ghs_test" } })
      .get("/repos/Codertocat/Hello-World/languages")
      .twice()
      .reply(200, { Dart: 1 });
    let suspended: unknown;
    probot.on("push", async (context) => {
      await context.octokit.rest.repos.listLanguages({ owner: "Codertocat", repo: "Hello-World" });
    });
    probot.on("installation", async (context) => {
      suspended = await context.octokit.rest.repos.listLanguages({ owner: "Codertocat", repo: "Hello-World" }).then(
        () => "answered",
        (err: Error) => err.message,
      );
    });
    // biome-ignore lint/suspicious/noExplicitAny: a recorded payload is untyped JSON
    await probot.receive({ id: "d-6", name: "push", payload: push() } as any);
    const suspend = structuredClone(examplesOf("installation").find((p) => p.action === "suspend")) as Record<
      string,
      unknown
    >;
    suspend.installation = { ...(suspend.installation as object), id: 4242 };
    // The suspended installation's client sends no token (GitHub then answers 401).
    nock("https://api.github.com", { badheaders: ["authorization"] })
      .get("/repos/Codertocat/Hello-World/languages")
      .reply(401, { message: "Requires authentication" });
    // biome-ignore lint/suspicious/noExplicitAny: a recorded payload is untyped JSON
    await probot.receive({ id: "d-7", name: "installation", payload: suspend } as any);
    expect(suspended).toMatch(/revoked/);
    const byId = await probot.auth(4242);
    expect((await byId.rest.repos.listLanguages({ owner: "Codertocat", repo: "Hello-World" })).data).toEqual({
      Dart: 1,
    });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("builds other clients at once", async () => {
    const { probot, built } = countingProbot();
    const app = await probot.auth();
    expect(built).toContain("app");
    expect(typeof app.request).toBe("function");
  });
});
