import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deliveryHeaders,
  type Harness,
  mockInstallationToken,
  mockNoConfig,
  sign,
  startApp,
} from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { type HttpResponse, http } from "../helpers/http.js";

type Payload = Record<string, unknown>;
let app: Harness;
let clock: Date;

beforeEach(async () => {
  clock = new Date("2026-11-27T10:00:00Z");
  app = await startApp({ now: () => clock });
});
afterEach(async () => {
  await app.close();
});

const pushWith = (shas: string[], author = "Codertocat"): Payload => {
  const p = dartPayload("push", undefined, (x) => (x.commits as unknown[]).length > 0);
  const template = (p.commits as Payload[])[0] as Payload;
  p.commits = shas.map((id) => ({ ...template, id, author: { ...(template.author as Payload), username: author } }));
  return p;
};

const state = async () => (await app.get("/api/v1/repos/Codertocat/Hello-World")).json();

/** Delivers again and again (for 10 s at most) until a delivery is answered with `status`. */
async function deliverUntil(deliver: () => Promise<HttpResponse>, status: number): Promise<HttpResponse> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await deliver();
    if (res.status === status) return res;
    if (Date.now() > deadline)
      throw new Error(`no delivery was answered with ${status} within 10 s (last: ${res.status})`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function githubOnce() {
  mockInstallationToken();
  mockNoConfig("Codertocat", "Hello-World");
}

describe("signatures and malformed requests", () => {
  it("refuses a bad signature with 400 and stores nothing", async () => {
    const res = await app.deliver("push", pushWith(["a".repeat(40)]), { secret: "wrong" });
    expect(res.status).toBe(400);
    expect(res.text()).toMatch(/signature does not match/i);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("refuses a missing signature, a wrong content type and malformed JSON", async () => {
    const body = JSON.stringify(pushWith(["b".repeat(40)]));
    const base = { "x-github-event": "push", "x-github-delivery": randomUUID() };
    const url = `${app.url}/api/github/webhooks`;
    const noSig = await http(url, { method: "POST", headers: { ...base, "content-type": "application/json" }, body });
    expect(noSig.status).toBe(400);
    expect(noSig.json().error).toMatch(/x-hub-signature-256/);
    const form = await http(url, {
      method: "POST",
      headers: { ...base, "content-type": "application/x-www-form-urlencoded", "x-hub-signature-256": sign(body) },
      body,
    });
    expect(form.status).toBe(415);
    const broken = '{"ref": "refs/heads/main", ';
    const malformed = await http(url, {
      method: "POST",
      headers: { ...base, "content-type": "application/json", "x-hub-signature-256": sign(broken) },
      body: broken,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json().error).toMatch(/Invalid JSON/);
    // Signed, so it came from someone who holds the secret: worth an error in the log.
    expect(app.takeErrorLogs().map((l) => l.msg)).toEqual(["Invalid JSON"]);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("refuses signed bodies that are not a JSON object, and bad event or delivery headers, with 400", async () => {
    const url = `${app.url}/api/github/webhooks`;
    const post = (body: string, headers: Record<string, string> = {}) =>
      http(url, {
        method: "POST",
        headers: { ...deliveryHeaders("push", body), ...headers },
        body,
      });
    for (const body of ["null", '"hello"', "42", "[]", "", " true"]) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(res.json().error, body).toMatch(/JSON object/);
    }
    const good = JSON.stringify(pushWith(["9".repeat(40)]));
    for (const [header, value] of [
      ["x-github-event", ""],
      ["x-github-event", "Push!"],
      ["x-github-delivery", ""],
      ["x-github-delivery", "d".repeat(101)],
      ["x-github-delivery", "a b"],
    ] as const) {
      const res = await post(good, { [header]: value });
      expect(res.status, `${header}: ${value}`).toBe(400);
      expect(res.json().error).toContain(header);
    }
    // Every event name GitHub sends passes (some have digits: projects_v2_item).
    for (const event of new Set((examples as unknown as { name: string }[]).map((e) => e.name))) {
      expect((await post(JSON.stringify({ zen: "ok" }), { "x-github-event": event })).status, event).toBe(200);
    }
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("ignores a signed push whose repository has no owner, instead of failing", async () => {
    const push = pushWith(["8".repeat(40)]);
    (push.repository as Payload).owner = null;
    expect((await app.deliver("push", push)).status).toBe(200);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });

  it("refuses an oversized payload with 413 before reading it whole", async () => {
    await app.close();
    app = await startApp({ env: { WEBHOOK_MAX_BYTES: "2048" } });
    const res = await app.deliver("push", { padding: "x".repeat(5000) });
    expect(res.status).toBe(413);
  });

  it("holds at most four largest payloads at once, and answers 503 beyond that", async () => {
    await app.close();
    app = await startApp({ env: { WEBHOOK_MAX_BYTES: "2048" } });
    // Four uploads of 2,000 bytes each, sent but for their last byte: 7,996 of 8,192 bytes held.
    // Over a bare socket: nock, which keeps tests off the network, holds a request's body until it ends.
    const { port } = new URL(app.url);
    const held = Array.from({ length: 4 }, () => {
      const socket = connect(Number(port), "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(
        [
          "POST /api/github/webhooks HTTP/1.1",
          `host: 127.0.0.1:${port}`,
          "content-type: application/json",
          "x-github-event: push",
          `x-github-delivery: ${randomUUID()}`,
          "x-hub-signature-256: sha256=00",
          "content-length: 2000",
          "",
          `{${" ".repeat(1998)}`,
        ].join("\r\n"),
      );
      return socket;
    });
    // Until the server has read all four uploads, there is room left; once it has, there is none.
    const extra = () => app.deliver("push", { padding: "x".repeat(500) });
    const busy = await deliverUntil(extra, 503);
    expect(busy.headers["retry-after"]).toBe("5");
    for (const req of held) req.destroy();
    // What the dropped uploads held is given back, once the server has seen them go.
    expect((await deliverUntil(extra, 200)).status).toBe(200);
  });

  it("answers 200 to events it does not handle, without calling GitHub", async () => {
    const res = await app.deliver("watch", {
      action: "started",
      repository: { id: 1, name: "r", owner: { login: "o" } },
    });
    expect(res.status).toBe(200);
  });

  it("does not crash on a handled event with fields missing", async () => {
    const res = await app.deliver("pull_request", { action: "opened" });
    expect(res.status).toBe(200);
    const noUser = dartPayload("pull_request", "opened", (p) => p.installation !== undefined);
    delete (noUser.pull_request as Payload).user;
    githubOnce();
    expect((await app.deliver("pull_request", noUser)).status).toBe(200);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
  });
});

describe("exactly once", () => {
  it("a redelivery (same X-GitHub-Delivery) feeds nothing new", async () => {
    githubOnce();
    const id = randomUUID();
    const push = pushWith(["c".repeat(40), "d".repeat(40)]);
    expect((await app.deliver("push", push, { id })).status).toBe(200);
    expect((await app.deliver("push", push, { id })).status).toBe(200);
    expect((await state()).xp).toBe(20);
  });

  it("the same commit pushed to another branch feeds nothing new", async () => {
    githubOnce();
    await app.deliver("push", pushWith(["e".repeat(40)]));
    const other = pushWith(["e".repeat(40), "f".repeat(40)]);
    other.ref = "refs/heads/feature";
    await app.deliver("push", other);
    expect((await state()).xp).toBe(20);
  });

  it("50 concurrent deliveries for one repo lose no food", async () => {
    githubOnce();
    const authors = ["alice", "bob", "carol", "dave", "erin"];
    const deliveries = Array.from({ length: 50 }, (_, i) =>
      app.deliver("push", pushWith([`${i}`.padStart(40, "0")], authors[i % authors.length])),
    );
    const statuses = (await Promise.all(deliveries)).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const s = await state();
    expect(s.xp).toBe(500);
    expect(s.contributors.map((c: { xp: number }) => c.xp)).toEqual([100, 100, 100, 100, 100]);
  });
});

describe("daily cap in the repo's time zone", () => {
  it("stops at 30 foods per contributor per day and starts again the next day", async () => {
    githubOnce();
    for (let push = 0; push < 4; push++) {
      const shas = Array.from({ length: 10 }, (_, i) => `${push}-${i}`.padStart(40, "a"));
      await app.deliver("push", pushWith(shas));
    }
    expect((await state()).xp).toBe(300);
    expect((await state()).foodsToday).toBe(30);
    clock = new Date("2026-11-28T00:00:01Z");
    await app.deliver("push", pushWith(["next-day".padStart(40, "b")]));
    const s = await state();
    expect(s.xp).toBe(310);
    expect(s.foodsToday).toBe(1);
  });
});

describe("the JSON API", () => {
  it("answers 404 with a JSON error for unknown repos and users", async () => {
    const repo = await app.get("/api/v1/repos/nobody/nothing");
    expect(repo.status).toBe(404);
    expect(repo.json().error).toMatch(/No Dash/);
    expect((await app.get("/api/v1/users/nobody")).status).toBe(404);
  });

  it("does not serve a private repo's state without its token", async () => {
    githubOnce();
    const push = pushWith(["9".repeat(40)]);
    (push.repository as Payload).private = true;
    await app.deliver("push", push);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(404);
    const token = (await app.store.getRepo("Codertocat", "Hello-World"))?.badgeToken;
    const res = await app.get(`/api/v1/repos/Codertocat/Hello-World?token=${token}`);
    expect(res.status).toBe(200);
    expect(res.json().xp).toBe(10);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World?token=wrong")).status).toBe(404);
  });

  it("shows a short page at / once registered", async () => {
    const res = await app.get("/");
    expect(res.status).toBe(200);
    expect(res.text()).toContain("ReposiTori is running");
  });

  it("reports health", async () => {
    const res = await app.get("/healthz");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", store: "ok", githubApp: "configured" });
  });
});
