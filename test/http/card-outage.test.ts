import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { dayKey } from "../../src/domain/time.js";
import { RepoSettingsCache } from "../../src/github/repo-settings.js";
import {
  CARD_CACHE_CONTROL,
  cardRoutes,
  OUTAGE_CACHE_CONTROL,
  STALE_CACHE_CONTROL,
} from "../../src/http/card-routes.js";
import { CardViews, VIEW_TTL_MS } from "../../src/http/card-views.js";
import { createHttpServer } from "../../src/http/server.js";
import { notFedCardModel } from "../../src/render/card-model.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import { CardRenderer } from "../../src/render/renderer.js";
import { openStore } from "../../src/store/open-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef, Store } from "../../src/store/store.js";
import { DEFAULT_DISPLAY } from "../../src/views/load-dash.js";
import { startTcpProxy } from "../faults/tcp-proxy.js";
import { type HttpResponse, http } from "../helpers/http.js";
import { logSink } from "../helpers/log-sink.js";
import { createTestDatabase, storeAvailable } from "../helpers/stores.js";
import { expectSafeSvg } from "../render/svg-checks.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup.length = 0;
});

/** `real`, with `before` told the name of every method called, before the call. */
function watched<T extends Store>(real: T, before: (method: string) => void): T {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        before(String(prop));
        return value.apply(target, args);
      };
    },
  });
}

/** A store whose every method throws while `broken` is set, as when the database cannot be reached. */
function breakable(real: Store): { store: Store; setBroken(on: boolean): void } {
  let broken = false;
  const store = watched(real, () => {
    if (broken) throw new Error("database unreachable: connection refused");
  });
  return { store, setBroken: (on) => (broken = on) };
}

interface CardServer {
  get(path: string, headers?: Record<string, string>): Promise<HttpResponse>;
  advance(ms: number): void;
  logs: string[];
}

/** The card routes alone on an ephemeral port, over `store`, with a clock the test moves. */
async function serveCards(store: Store, given?: CardRenderer, settings?: RepoSettingsCache): Promise<CardServer> {
  let clock = new Date("2026-04-10T12:00:00Z");
  const now = () => clock;
  const { sink, lines: logs } = logSink();
  const log = pino({ level: "warn" }, sink);
  const renderer = given ?? new CardRenderer(await loadCardFonts());
  const routes = cardRoutes({
    views: new CardViews({ store, now }),
    renderer,
    now,
    log,
    ...(settings
      ? { onAccessChange: (listener: (id: number | null) => void) => settings.onAccessChange(listener) }
      : {}),
  });
  const server = createHttpServer([routes], log);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  cleanup.push(() => new Promise<void>((done) => server.close(() => done())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: (path, headers) => http(`${url}${path}`, { headers }),
    advance: (ms) => {
      clock = new Date(clock.getTime() + ms);
    },
    logs,
  };
}

async function feed(store: SqlStore, repo: RepoRef, foods: number): Promise<string | null> {
  const at = new Date("2026-04-10T11:00:00Z");
  await store.upsertRepo(repo, { installed: true });
  await store.feed({
    deliveryId: `d-${repo.id}-${foods}`,
    repo,
    feedings: Array.from({ length: foods }, (_, i) => ({
      login: "alice",
      food: "curry",
      count: 1,
      sourceKey: `s${i}`,
    })),
    at,
    day: dayKey(at, "UTC"),
    utcDay: dayKey(at, "UTC"),
    dailyCap: 30,
    display: DEFAULT_DISPLAY,
  });
  return (await store.getRepo(repo.owner, repo.name))?.badgeToken ?? null;
}

const PUBLIC: RepoRef = { id: 1, owner: "octo", name: "hello", private: false, installationId: 7 };
const PRIVATE: RepoRef = { id: 2, owner: "acme", name: "secret", private: true, installationId: 7 };
const title = (svg: string) => /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? "";

describe("badges while the store is unreachable (a store whose methods throw)", () => {
  it("serves the last card drawn for the same URL, and recovers by itself", async () => {
    const real = await openStore("sqlite::memory:");
    cleanup.push(() => real.close());
    await feed(real, PUBLIC, 3);
    const { store, setBroken } = breakable(real);
    const cards = await serveCards(store);

    const good: Record<string, HttpResponse> = {};
    for (const path of ["/dash/octo/hello.svg", "/dash/octo/hello.png", "/dash/octo/hello.json?lang=ja"]) {
      good[path] = await cards.get(path);
      expect(good[path]?.headers["cache-control"]).toBe(CARD_CACHE_CONTROL);
    }

    setBroken(true);
    cards.advance(VIEW_TTL_MS + 1);
    for (const [path, before] of Object.entries(good)) {
      const during = await cards.get(path);
      expect(during.status).toBe(200);
      expect(during.body.equals(before.body)).toBe(true);
      expect(during.headers.etag).toBe(before.headers.etag);
      expect(during.headers["cache-control"]).toBe(STALE_CACHE_CONTROL);
      const revalidated = await cards.get(path, { "if-none-match": String(before.headers.etag) });
      expect(revalidated.status).toBe(304);
    }
    // Said once, not once per badge view.
    expect(cards.logs.filter((l) => l.includes("store unavailable"))).toHaveLength(1);
    // A public card needs no token, so a token in the URL finds the same card.
    const withToken = await cards.get("/dash/octo/hello.svg?token=anything");
    expect(withToken.body.equals(good["/dash/octo/hello.svg"]?.body ?? Buffer.alloc(0))).toBe(true);

    setBroken(false);
    cards.advance(60_000);
    const after = await cards.get("/dash/octo/hello.svg");
    expect(after.headers["cache-control"]).toBe(CARD_CACHE_CONTROL);
    expect(title(after.text())).toBe("Dash: level 2, happy");
  });

  it("answers 'not fed yet', never cached, for a URL it has not drawn before", async () => {
    const real = await openStore("sqlite::memory:");
    cleanup.push(() => real.close());
    await feed(real, PUBLIC, 3);
    const { store, setBroken } = breakable(real);
    const cards = await serveCards(store);
    await cards.get("/dash/octo/hello.svg");

    setBroken(true);
    cards.advance(VIEW_TTL_MS + 1);
    for (const path of ["/dash/octo/hello.svg?theme=dark", "/dash/octo/other.png", "/dash/user/alice.json"]) {
      const res = await cards.get(path);
      expect(res.status).toBe(200);
      expect(res.headers["cache-control"]).toBe(OUTAGE_CACHE_CONTROL);
      expect(res.headers.etag).toBeUndefined();
    }
    const svg = await cards.get("/dash/octo/hello.svg?style=badge");
    expectSafeSvg(svg.text());
    expect(title(svg.text())).toBe("Dash for octo/hello: not fed yet");
  });

  it("never answers a request without the token with a private card drawn for the token", async () => {
    const real = await openStore("sqlite::memory:");
    cleanup.push(() => real.close());
    const token = await feed(real, PRIVATE, 3);
    const { store, setBroken } = breakable(real);
    const cards = await serveCards(store);
    const withToken = await cards.get(`/dash/acme/secret.svg?token=${token}`);
    expect(title(withToken.text())).toBe("Dash: level 2, happy");

    setBroken(true);
    cards.advance(VIEW_TTL_MS + 1);
    expect((await cards.get(`/dash/acme/secret.svg?token=${token}`)).body.equals(withToken.body)).toBe(true);
    for (const query of ["", "?token=wrong"]) {
      const hidden = await cards.get(`/dash/acme/secret.svg${query}`);
      expect(title(hidden.text())).toBe("Dash for acme/secret: not fed yet");
    }
    // The token never reaches the log.
    expect(cards.logs.join("")).not.toContain(String(token));
  });

  it("forgets the cards it kept once a badge token is rotated, so the old token shows nothing during an outage", async () => {
    const real = await openStore("sqlite::memory:");
    cleanup.push(() => real.close());
    const token = await feed(real, PRIVATE, 3);
    const { store, setBroken } = breakable(real);
    const settings = new RepoSettingsCache({ ttlMs: 60_000 });
    const cards = await serveCards(store, undefined, settings);
    const old = `/dash/acme/secret.svg?token=${token}`;
    expect(title((await cards.get(old)).text())).toBe("Dash: level 2, happy");

    // Rotated (by this replica's command, or another's through the bus). The old token, asked again
    // at once (its repo's record was loaded a moment ago), gets nothing; then the database goes away.
    const rotated = await real.rotateBadgeToken(PRIVATE.id);
    settings.accessChanged(PRIVATE.id);
    expect(title((await cards.get(old)).text())).toBe("Dash for acme/secret: not fed yet");
    setBroken(true);
    cards.advance(VIEW_TTL_MS + 1);
    const during = await cards.get(old);
    expect(during.headers["cache-control"]).toBe(OUTAGE_CACHE_CONTROL);
    expect(title(during.text())).toBe("Dash for acme/secret: not fed yet");

    // Back: the new token shows the card, and it is kept for the next outage.
    setBroken(false);
    cards.advance(60_000);
    const fresh = `/dash/acme/secret.svg?token=${rotated}`;
    expect(title((await cards.get(fresh)).text())).toBe("Dash: level 2, happy");
    setBroken(true);
    cards.advance(VIEW_TTL_MS + 1);
    expect((await cards.get(fresh)).headers["cache-control"]).toBe(STALE_CACHE_CONTROL);
  });

  it("does the same when the SQLite database has been closed under it", async () => {
    const real = await openStore("sqlite::memory:");
    await feed(real, PUBLIC, 3);
    const cards = await serveCards(real);
    const before = await cards.get("/dash/octo/hello.png");
    await real.close();
    cards.advance(VIEW_TTL_MS + 1);
    const during = await cards.get("/dash/octo/hello.png");
    expect(during.status).toBe(200);
    expect(during.body.equals(before.body)).toBe(true);
    expect(during.headers["cache-control"]).toBe(STALE_CACHE_CONTROL);
  });
});

/** Holds every card `renderer` draws until the returned function is called. */
function holdDrawing(renderer: CardRenderer): () => void {
  const draw = renderer.svg.bind(renderer);
  let release = () => {};
  const held = new Promise<void>((done) => {
    release = done;
  });
  renderer.svg = async (model) => {
    await held;
    return draw(model);
  };
  return release;
}

describe("private repos asked for without their token", () => {
  it("cost the store what an unknown repo does, so timing cannot tell them apart", async () => {
    const real = await openStore("sqlite::memory:");
    cleanup.push(() => real.close());
    const token = await feed(real, PRIVATE, 3);
    const calls: string[] = [];
    const store = watched(real, (method) => calls.push(method));
    const cards = await serveCards(store);
    const costOf = async (path: string) => {
      cards.advance(VIEW_TTL_MS + 1);
      calls.length = 0;
      const res = await cards.get(path);
      return { calls: [...calls], text: res.text() };
    };
    const unknown = await costOf("/dash/acme/nothing-here.json");
    const hidden = await costOf("/dash/acme/secret.json");
    const wrong = await costOf("/dash/acme/secret.json?token=wrong");
    expect(hidden.calls).toEqual(unknown.calls);
    expect(wrong.calls).toEqual(unknown.calls);
    expect(JSON.parse(hidden.text)).toEqual(JSON.parse(unknown.text));
    // With the token, the Dash is loaded and shown.
    expect((await costOf(`/dash/acme/secret.json?token=${token}`)).text).toContain("Lv 2");
  });
});

describe("badges while too many cards wait to be drawn", () => {
  it("never shows what a repo showed before it turned private or rotated its token", async () => {
    const store = await openStore("sqlite::memory:");
    cleanup.push(() => store.close());
    await feed(store, PUBLIC, 3);
    const token = await feed(store, PRIVATE, 3);
    const renderer = new CardRenderer(await loadCardFonts(), { maxWaiting: 1 });
    const cards = await serveCards(store, renderer);
    expect((await cards.get("/dash/octo/hello.json")).json().message).toMatch(/^Lv 2/);
    expect((await cards.get(`/dash/acme/secret.json?token=${token}`)).json().message).toMatch(/^Lv 2/);

    // The public repo turns private, the private one gets a new token; then drawing is jammed.
    await store.upsertRepo({ ...PUBLIC, private: true });
    await store.rotateBadgeToken(PRIVATE.id);
    cards.advance(VIEW_TTL_MS + 1);
    const release = holdDrawing(renderer);
    const blocking = renderer.render(notFedCardModel("x/y", { theme: "light", lang: "en", style: "card" }), "svg");
    for (const path of ["/dash/octo/hello.json", `/dash/acme/secret.json?token=${token}`]) {
      const res = await cards.get(path);
      expect(res.status, path).toBe(503);
      expect(res.text(), path).not.toContain("Lv 2");
    }
    release();
    await blocking;
    // Once drawing is free: the not-fed card, for both.
    expect((await cards.get("/dash/octo/hello.json")).json().message).toBe("not fed yet");
  });

  it("serves the last card drawn for the URL, or 503 to come back shortly, and draws again once free", async () => {
    const store = await openStore("sqlite::memory:");
    cleanup.push(() => store.close());
    await feed(store, PUBLIC, 3);
    const renderer = new CardRenderer(await loadCardFonts(), { maxWaiting: 1 });
    const cards = await serveCards(store, renderer);
    const good = await cards.get("/dash/octo/hello.svg");
    expect(good.status).toBe(200);

    // One card is being drawn, held until the test lets it go: nothing else may wait.
    const release = holdDrawing(renderer);
    const blocking = renderer.render(notFedCardModel("x/y", { theme: "light", lang: "en", style: "card" }), "svg");
    cards.advance(2 * 3_600_000); // "fed 1 h ago" becomes "fed 3 h ago": a new card to draw
    const stale = await cards.get("/dash/octo/hello.svg");
    expect(stale.status).toBe(200);
    expect(stale.body.equals(good.body)).toBe(true);
    expect(stale.headers["cache-control"]).toBe(STALE_CACHE_CONTROL);
    const unknown = await cards.get("/dash/someone/else.png");
    expect(unknown.status).toBe(503);
    expect(unknown.headers["retry-after"]).toBe("2");
    expect(unknown.headers["cache-control"]).toBe(OUTAGE_CACHE_CONTROL);

    release();
    await blocking;
    expect((await cards.get("/dash/someone/else.png")).status).toBe(200);
    const fresh = await cards.get("/dash/octo/hello.svg");
    expect(fresh.headers["cache-control"]).toBe(CARD_CACHE_CONTROL);
  });
});

describe.skipIf(!storeAvailable("postgres"))("badges while PostgreSQL is cut off", () => {
  it("serves the last good card while the line is down and fresh ones once it is back", async () => {
    const db = await createTestDatabase("postgres");
    cleanup.push(() => db.drop());
    const direct = await db.openStore();
    await feed(direct, PUBLIC, 3);
    const target = new URL(db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set("connect_timeout", "1");
    const store = await openStore(viaProxy.toString());
    cleanup.push(() => store.close());
    const cards = await serveCards(store);

    const before = await cards.get("/dash/octo/hello.svg");
    expect(title(before.text())).toBe("Dash: level 2, happy");
    proxy.cut();
    cards.advance(VIEW_TTL_MS + 1);
    const during = await cards.get("/dash/octo/hello.svg");
    expect(during.status).toBe(200);
    expect(during.body.equals(before.body)).toBe(true);
    expect(during.headers["cache-control"]).toBe(STALE_CACHE_CONTROL);
    const unseen = await cards.get("/dash/octo/hello.svg?theme=dark");
    expect(unseen.headers["cache-control"]).toBe(OUTAGE_CACHE_CONTROL);

    proxy.restore();
    await feed(direct, PUBLIC, 10);
    cards.advance(VIEW_TTL_MS + 1);
    const after = await cards.get("/dash/octo/hello.svg");
    expect(after.headers["cache-control"]).toBe(CARD_CACHE_CONTROL);
    expect(title(after.text())).toBe("Dash: level 3, happy");
  });
});
