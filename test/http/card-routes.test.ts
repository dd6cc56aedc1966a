import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dayKey } from "../../src/domain/time.js";
import { cardsFeature } from "../../src/render/feature.js";
import { openStore } from "../../src/store/open-store.js";
import type { RepoDisplay, RepoRef } from "../../src/store/store.js";
import { DEFAULT_DISPLAY } from "../../src/views/load-dash.js";
import { type Harness, mockConfig, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { decodePng, expectSafeSvg, svgSize } from "../render/svg-checks.js";

let app: Harness;
let clock: Date;
const unmatched: string[] = [];
// Every request nock sees without a mock to answer it; loopback ones are the test's own calls to the App.
const onNoMatch = (req: { url: string }) => {
  if (!/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(req.url)) unmatched.push(req.url);
};

beforeEach(async () => {
  clock = new Date("2026-04-10T12:00:00Z");
  unmatched.length = 0;
  nock.emitter.on("no match", onNoMatch);
  app = await startApp({ features: [cardsFeature], now: () => clock });
});
afterEach(async () => {
  nock.emitter.off("no match", onNoMatch);
  await app.close();
  // Card views never call GitHub (or anything else): no outside request was attempted without a mock.
  expect(unmatched).toEqual([]);
});

let nextId = 1000;
/** A repo fed directly through the store (as a delivery would), `foods` curries by `login`. */
async function fedRepo(
  owner: string,
  name: string,
  opts: { private?: boolean; foods?: number; login?: string; display?: Partial<RepoDisplay> } = {},
): Promise<RepoRef & { token: string | null }> {
  const repo: RepoRef = { id: nextId++, owner, name, private: opts.private ?? false, installationId: 7 };
  await app.store.upsertRepo(repo, { installed: true });
  await app.store.feed({
    deliveryId: `d-${repo.id}-${clock.getTime()}`,
    repo,
    feedings: Array.from({ length: opts.foods ?? 3 }, (_, i) => ({
      login: opts.login ?? "alice",
      food: "curry" as const,
      count: 1,
      sourceKey: `sha-${repo.id}-${clock.getTime()}-${i}`,
    })),
    at: clock,
    day: dayKey(clock, "UTC"),
    utcDay: dayKey(clock, "UTC"),
    dailyCap: 30,
    display: { ...DEFAULT_DISPLAY, ...opts.display },
  });
  const record = await app.store.getRepo(owner, name);
  return { ...repo, token: record?.badgeToken ?? null };
}

const title = (svg: string) => /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? "";
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

describe("GET /dash/:owner/:repo.svg|png|json", () => {
  it("shows the new XP after a signed push, as SVG, PNG and shields JSON", async () => {
    const before = await app.get("/dash/Codertocat/Hello-World.json");
    expect(before.json()).toMatchObject({ schemaVersion: 1, message: "not fed yet" });
    const oldSvg = await app.get("/dash/Codertocat/Hello-World.svg");

    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const payload = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    expect((await app.deliver("push", payload)).status).toBe(200);
    const state = (await app.get("/api/v1/repos/Codertocat/Hello-World")).json();
    // The example push has one commit, by Codertocat: one curry.
    expect(state.xp).toBe(10);

    const json = await app.get("/dash/Codertocat/Hello-World.json");
    expect(json.status).toBe(200);
    expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(json.json()).toMatchObject({ schemaVersion: 1, label: "Dash", message: `Lv ${state.level} · Happy` });

    const svg = await app.get("/dash/Codertocat/Hello-World.svg");
    expect(svg.status).toBe(200);
    expect(svg.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    expectSafeSvg(svg.text());
    expect(title(svg.text())).toBe(`Dash: level ${state.level}, happy`);
    expect(svg.headers.etag).not.toBe(oldSvg.headers.etag);

    const png = await app.get("/dash/Codertocat/Hello-World.png");
    expect(png.headers["content-type"]).toBe("image/png");
    const decoded = decodePng(png.body);
    expect([decoded.width, decoded.height]).toEqual([600, 200]);
    const sharp = decodePng((await app.get("/dash/Codertocat/Hello-World.png?scale=2")).body);
    expect([sharp.width, sharp.height]).toEqual([1200, 400]);
  });

  it("answers an unknown repo with the friendly 'not fed yet' card, status 200, in every format", async () => {
    const svg = await app.get("/dash/nobody/nothing.svg");
    expect(svg.status).toBe(200);
    expectSafeSvg(svg.text());
    expect(title(svg.text())).toBe("Dash for nobody/nothing: not fed yet");
    expect(svg.headers["cache-control"]).toBe("public, max-age=60, s-maxage=60");
    expect(svg.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(svg.headers["x-content-type-options"]).toBe("nosniff");
    const png = await app.get("/dash/nobody/nothing.png");
    expect(png.status).toBe(200);
    expect(decodePng(png.body).width).toBe(600);
    const json = await app.get("/dash/nobody/nothing.json");
    expect(json.json()).toEqual({
      schemaVersion: 1,
      label: "Dash",
      message: "not fed yet",
      color: "lightgrey",
      logoSvg: expect.stringMatching(/^<svg/),
    });
  });

  it("answers a path no GitHub name fits (too long, control characters) without looking it up", async () => {
    await app.close();
    // The store, recording every call made to it.
    const calls: string[] = [];
    const store = await openStore("sqlite::memory:");
    const spy = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return value.apply(target, args);
        };
      },
    });
    app = await startApp({ features: [cardsFeature], now: () => clock, store: spy });
    calls.length = 0;
    const long = "a".repeat(101);
    for (const path of [`/dash/${long}/x.svg`, `/dash/o/${long}.json`, `/dash/user/${long}.png`, "/dash/a%00/b.svg"]) {
      const res = await app.get(path);
      expect(res.status).toBe(200);
      if (path.endsWith(".json")) expect(res.json()).toMatchObject({ message: "not fed yet" });
    }
    expect(title((await app.get("/dash/user/a%01b.svg")).text())).toBe("Dash for @a%01b: not fed yet");
    // NUL is what PostgreSQL refuses in text: it must not reach the database as an error either.
    for (const path of ["/api/v1/repos/a%00/b", `/api/v1/users/${long}`]) {
      expect((await app.get(path)).status).toBe(404);
    }
    expect(calls).toEqual([]);
    // The longest repo name GitHub allows is still looked up.
    await app.get(`/dash/o/${"a".repeat(100)}.svg`);
    expect(calls.length).toBeGreaterThan(0);
  });

  it("treats a known repo that was never fed like an unknown one", async () => {
    await app.store.upsertRepo(
      { id: 5, owner: "octo", name: "fresh", private: false, installationId: 7 },
      { installed: true },
    );
    const res = await app.get("/dash/octo/fresh.svg");
    expect(res.status).toBe(200);
    expect(title(res.text())).toBe("Dash for octo/fresh: not fed yet");
  });

  it("renders the badge style, the dark theme and Japanese", async () => {
    await fedRepo("octo", "hello", { foods: 3 });
    const badge = await app.get("/dash/octo/hello.svg?style=badge");
    expectSafeSvg(badge.text());
    expect(svgSize(badge.text()).height).toBe(20);
    const dark = await app.get("/dash/octo/hello.svg?theme=dark");
    expect(dark.text()).toContain('fill="#0d1117"');
    const ja = await app.get("/dash/octo/hello.json?lang=ja");
    expect(ja.json().message).toBe("Lv 2 · ごきげん");
    const badgePng = decodePng((await app.get("/dash/octo/hello.png?style=badge&scale=2")).body);
    expect(badgePng.height).toBe(40);
  });

  it("speaks the repo's configured language unless the URL asks for another", async () => {
    await fedRepo("octo", "nihon", { display: { locale: "ja" } });
    expect((await app.get("/dash/octo/nihon.json")).json().message).toBe("Lv 2 · ごきげん");
    expect((await app.get("/dash/octo/nihon.json?lang=en")).json().message).toBe("Lv 2 · Happy");
  });

  it("follows a changed .github/dash.yml at once, even when the push that changed it feeds nothing", async () => {
    mockInstallationToken();
    mockConfig("Codertocat", "Hello-World", "name: Old Dash\n");
    const push = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    expect((await app.deliver("push", push)).status).toBe(200);
    expect((await app.get("/dash/Codertocat/Hello-World.json")).json().label).toBe("Old Dash");

    // A bot commits the new name: it feeds nothing, but the file is read again.
    mockConfig("Codertocat", "Hello-World", "name: New Dash\n");
    const bot = structuredClone(push) as Record<string, unknown>;
    const [commit] = bot.commits as Record<string, unknown>[];
    bot.commits = [
      {
        ...commit,
        id: "b".repeat(40),
        author: { name: "bot", email: "bot@example.com", username: "github-actions[bot]" },
        modified: [".github/dash.yml"],
      },
    ];
    bot.ref = `refs/heads/${(bot.repository as Record<string, unknown>).default_branch}`;
    expect((await app.deliver("push", bot)).status).toBe(200);
    advance(60_000);
    const after = await app.get("/dash/Codertocat/Hello-World.json");
    expect(after.json().label).toBe("New Dash");
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).json().xp).toBe(10);
  });

  it("falls back to defaults for unknown query values instead of failing", async () => {
    await fedRepo("octo", "hello");
    const plain = await app.get("/dash/octo/hello.svg");
    const odd = await app.get("/dash/octo/hello.svg?theme=purple&lang=xx&style=huge&lang=ja&scale=9&v=<script>");
    expect(odd.status).toBe(200);
    expect(odd.body.equals(plain.body)).toBe(true);
    expect(odd.headers.etag).toBe(plain.headers.etag);
  });

  it("gives the shields JSON one ETag whatever theme, style or scale is asked, since it shows none", async () => {
    await fedRepo("octo", "hello");
    const plain = await app.get("/dash/octo/hello.json");
    for (const query of ["?theme=dark", "?style=badge", "?scale=2", "?theme=dark&style=badge"]) {
      const other = await app.get(`/dash/octo/hello.json${query}`);
      expect(other.body.equals(plain.body), query).toBe(true);
      expect(other.headers.etag, query).toBe(plain.headers.etag);
    }
    // The language is in the text, so it does change the answer.
    expect((await app.get("/dash/octo/hello.json?lang=ja")).headers.etag).not.toBe(plain.headers.etag);
  });

  it("counts a feeding as soon as it happens, and mood follows the clock", async () => {
    const repo = await fedRepo("octo", "hello", { foods: 1 });
    expect((await app.get("/dash/octo/hello.json")).json().message).toBe("Lv 1 · Happy");
    // A feeding through the store alone (no webhook) shows once the short view cache expires.
    await app.store.feed({
      deliveryId: "later",
      repo,
      feedings: [{ login: "bob", food: "feast", count: 5, sourceKey: "merge-1" }],
      at: clock,
      day: dayKey(clock, "UTC"),
      utcDay: dayKey(clock, "UTC"),
      dailyCap: 30,
    });
    advance(6_000);
    expect((await app.get("/dash/octo/hello.json")).json().message).toBe("Lv 3 · Happy");
    advance(30 * 3_600_000);
    expect((await app.get("/dash/octo/hello.json")).json().message).toBe("Lv 3 · Peckish");
  });
});

describe("ETag and Cache-Control", () => {
  it("answers 304 Not Modified for a matching If-None-Match, and a new tag after a feeding", async () => {
    await fedRepo("octo", "hello");
    const first = await app.get("/dash/octo/hello.svg");
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.get("/dash/octo/hello.svg");
    expect(again.body.equals(first.body)).toBe(true);
    expect(again.headers.etag).toBe(etag);

    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const cached = await app.get("/dash/octo/hello.svg", { "if-none-match": header });
      expect(cached.status).toBe(304);
      expect(cached.body.length).toBe(0);
      expect(cached.headers.etag).toBe(etag);
      expect(cached.headers["cache-control"]).toBe("public, max-age=60, s-maxage=60");
    }
    expect((await app.get("/dash/octo/hello.svg", { "if-none-match": '"stale"' })).status).toBe(200);

    await fedRepo("octo", "hello", { foods: 2 });
    advance(6_000);
    const changed = await app.get("/dash/octo/hello.svg", { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it("keeps the cache short enough for GitHub's image proxy to show a feeding within minutes", async () => {
    await fedRepo("octo", "hello");
    for (const ext of ["svg", "png", "json"]) {
      const res = await app.get(`/dash/octo/hello.${ext}`);
      const cc = String(res.headers["cache-control"]);
      const maxAge = Number(/max-age=(\d+)/.exec(cc)?.[1]);
      const sMaxAge = Number(/s-maxage=(\d+)/.exec(cc)?.[1]);
      expect(maxAge).toBeLessThanOrEqual(60);
      expect(sMaxAge).toBeLessThanOrEqual(60);
    }
  });

  it("answers HEAD with the headers only, and refuses other methods", async () => {
    await fedRepo("octo", "hello");
    const get = await app.get("/dash/octo/hello.png");
    const { http } = await import("../helpers/http.js");
    const head = await http(`${app.url}/dash/octo/hello.png`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(get.body.length));
    expect(head.headers.etag).toBe(get.headers.etag);
    const post = await http(`${app.url}/dash/octo/hello.svg`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("leaves other paths to the other routes", async () => {
    expect((await app.get("/dash/octo")).status).toBe(404);
    expect((await app.get("/dash/octo/hello.gif")).status).toBe(404);
  });
});

describe("private repositories", () => {
  it("serves the card only with the badge token, and otherwise exactly what an unknown repo gets", async () => {
    const secret = await fedRepo("acme", "secret", { private: true, foods: 3 });
    expect(secret.token).toMatch(/^[\w-]{20,}$/);
    const empty = await startApp({ features: [cardsFeature], now: () => clock });
    try {
      for (const ext of ["svg", "png", "json"]) {
        for (const query of ["", "?token=wrong", "?token=", `?token=${secret.token}x`, "?theme=dark&lang=ja"]) {
          const hidden = await app.get(`/dash/acme/secret.${ext}${query}`);
          const unknown = await empty.get(`/dash/acme/secret.${ext}${query}`);
          expect(hidden.status).toBe(200);
          expect(hidden.body.equals(unknown.body)).toBe(true);
          expect(hidden.headers.etag).toBe(unknown.headers.etag);
          expect(hidden.headers["cache-control"]).toBe(unknown.headers["cache-control"]);
        }
      }
    } finally {
      await empty.close();
    }
    const shown = await app.get(`/dash/acme/secret.json?token=${secret.token}`);
    expect(shown.json().message).toBe("Lv 2 · Happy");
    const svg = await app.get(`/dash/acme/secret.svg?token=${encodeURIComponent(secret.token ?? "")}&theme=dark`);
    expect(title(svg.text())).toBe("Dash: level 2, happy");
    // The JSON API follows the same rule.
    expect((await app.get("/api/v1/repos/acme/secret")).status).toBe(404);
    expect((await app.get(`/api/v1/repos/acme/secret?token=${secret.token}`)).status).toBe(200);
  });

  it("stops accepting a rotated token (within the few seconds a loaded view is kept)", async () => {
    const secret = await fedRepo("acme", "secret", { private: true });
    expect((await app.get(`/dash/acme/secret.json?token=${secret.token}`)).json().message).toMatch(/^Lv/);
    const fresh = await app.store.rotateBadgeToken(secret.id);
    advance(6_000);
    expect((await app.get(`/dash/acme/secret.json?token=${secret.token}`)).json().message).toBe("not fed yet");
    expect((await app.get(`/dash/acme/secret.json?token=${fresh}`)).json().message).toMatch(/^Lv/);
  });
});

describe("personal cards", () => {
  it("shows a contributor's own Dash, and 'not fed yet' for anyone else", async () => {
    await fedRepo("octo", "hello", { login: "alice", foods: 4 });
    const json = await app.get("/dash/user/alice.json");
    expect(json.json()).toMatchObject({ label: "alice", message: "Lv 2 · Happy" });
    const svg = await app.get("/dash/user/ALICE.svg?lang=ja");
    expectSafeSvg(svg.text());
    expect(title(svg.text())).toBe("alice：レベル 2、ごきげん");
    expect(decodePng((await app.get("/dash/user/alice.png")).body).height).toBe(200);
    const nobody = await app.get("/dash/user/nobody.svg");
    expect(nobody.status).toBe(200);
    expect(title(nobody.text())).toBe("Dash for @nobody: not fed yet");
  });
});

describe("hostile input", () => {
  const names = [
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%22%26%27%5D%5D%3E",
    "%F0%9F%90%A6%F0%9F%94%A5",
    "%E2%80%AEevil%E2%80%AC",
    "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7",
    "a".repeat(500),
    "%E0%A4%A", // malformed percent-encoding
    "%00%07",
  ];

  it.each(names)("a URL naming %s gets a safe card", async (name) => {
    for (const path of [`/dash/${name}/${name}.svg`, `/dash/user/${name}.svg`, `/dash/${name}/x.svg?style=badge`]) {
      const res = await app.get(path);
      expect(res.status).toBe(200);
      expectSafeSvg(res.text());
    }
    const json = await app.get(`/dash/${name}/${name}.json`);
    expect(json.status).toBe(200);
    expect(json.json().schemaVersion).toBe(1);
  });

  it("a hostile Dash name and contributor login are escaped and cut short", async () => {
    const hostile = `<script>alert(1)</script>&"']]>\u202E🐦${"x".repeat(500)}`;
    const repo = await fedRepo("octo", "hostile", { login: hostile, display: { name: hostile } });
    await app.store.setDashName(repo.id, hostile);
    for (const query of ["", "?style=badge", "?theme=dark&lang=ja"]) {
      const res = await app.get(`/dash/octo/hostile.svg${query}`);
      expectSafeSvg(res.text());
      // 24 graphemes at most, the last one the ellipsis; then the level and mood.
      expect(title(res.text())).toMatch(/^&lt;script&gt;alert\(1\)&lt;\/scrip…[:：]/);
    }
    const json = (await app.get("/dash/octo/hostile.json")).json();
    expect([...new Intl.Segmenter().segment(json.label)].length).toBeLessThanOrEqual(24);
    expect(json.label).not.toContain("\u202E");
  });
});
