import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type CardModel, fedCardModel, notFedCardModel } from "../render/card-model.js";
import { Lru } from "../render/lru.js";
import { type CardQuery, parseCardQuery, resolveOptions } from "../render/options.js";
import { type CardFormat, type CardRenderer, etagOf, type RenderedCard, renderKey } from "../render/renderer.js";
import { canView } from "../views/load-dash.js";
import type { CardViews } from "./card-views.js";
import { type HttpHandler, segment, sendJson, urlOf } from "./respond.js";

const USER_PATH = /^\/dash\/user\/([^/]+)\.(svg|png|json)$/;
const REPO_PATH = /^\/dash\/([^/]+)\/([^/]+)\.(svg|png|json)$/;

/**
 * Short enough that GitHub's image proxy (camo) shows a feeding within about a minute, long enough
 * that a busy README does not hit the App on every page view.
 */
export const CARD_CACHE_CONTROL = "public, max-age=60, s-maxage=60";
/** The store is down and this is the last card we drew for the URL: shown, but re-asked for soon. */
export const STALE_CACHE_CONTROL = "public, max-age=15, s-maxage=15";
/** The store is down and we have nothing better: never keep this placeholder anywhere. */
export const OUTAGE_CACHE_CONTROL = "no-store";

// The SVG is ours and static, but if someone opens it directly nothing in it may run or load.
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
  "access-control-allow-origin": "*",
};

export interface CardRoutesDeps {
  views: CardViews;
  renderer: CardRenderer;
  now: () => Date;
  log: Logger;
  /** Last good render per URL (subject, format, options, token), for when the store is unreachable. */
  lastGood?: Lru<RenderedCard>;
  /** Told per answered card whether it came from the cache (a 304 counts as a hit), for metrics. */
  onLookup?: (result: "hit" | "miss") => void;
}

type Target = { kind: "repo"; owner: string; name: string } | { kind: "user"; login: string };

/**
 * `GET /dash/:owner/:repo.svg|png|json` and `GET /dash/user/:login.svg|png|json`: the Dash card, PNG
 * or shields.io endpoint JSON. Never a GitHub API call; never an error image: unknown, never-fed and
 * private-without-token repos all get the same friendly "not fed yet" card with status 200.
 */
export function cardRoutes(deps: CardRoutesDeps): HttpHandler {
  const lastGood = deps.lastGood ?? new Lru<RenderedCard>({ maxEntries: 5_000, maxBytes: 64 * 1024 * 1024, sizeOf });
  return async (req, res) => {
    const url = urlOf(req);
    if (!url?.pathname.startsWith("/dash/")) return false;
    const parsed = parseTarget(url.pathname);
    if (!parsed) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { error: "Only GET is supported" }, { allow: "GET, HEAD" });
    }
    const { target, format } = parsed;
    const query = parseCardQuery(url.searchParams);
    const token = url.searchParams.get("token");
    const fallbackKey = lastGoodKey(target, format, query, token);
    const head = req.method === "HEAD";
    const ifNoneMatch = req.headers["if-none-match"];

    let model: CardModel;
    try {
      model = await modelFor(deps, target, query, token);
    } catch (err) {
      // The store is unreachable: show the last card drawn for this very URL rather than failing.
      deps.log.warn({ err, path: url.pathname, format }, "card: store unavailable, serving the last good card");
      const last = lastGood.get(fallbackKey);
      if (last) return send(res, last, STALE_CACHE_CONTROL, ifNoneMatch, head);
      const placeholder = await deps.renderer.render(notFedCardModel(subjectOf(target), resolveOptions(query)), format);
      return send(res, { ...placeholder, etag: "" }, OUTAGE_CACHE_CONTROL, undefined, head);
    }

    // A matching ETag needs no render at all: the tag is the hash of what the card shows.
    const key = renderKey(model, format);
    const etag = etagOf(key);
    if (etagMatches(ifNoneMatch, etag)) {
      deps.onLookup?.("hit");
      res.writeHead(304, { etag, "cache-control": CARD_CACHE_CONTROL, ...SECURITY_HEADERS });
      res.end();
      return true;
    }
    deps.onLookup?.(deps.renderer.cached(key) ? "hit" : "miss");
    const card = await deps.renderer.render(model, format, key);
    if (model.variant === "fed") lastGood.set(fallbackKey, card);
    return send(res, card, CARD_CACHE_CONTROL, undefined, head);
  };
}

async function modelFor(deps: CardRoutesDeps, target: Target, query: CardQuery, token: string | null) {
  const now = deps.now();
  if (target.kind === "user") {
    const state = await deps.views.user(target.login);
    if (!state || state.fresh) return notFedCardModel(subjectOf(target), resolveOptions(query));
    return fedCardModel(state, resolveOptions(query), now);
  }
  const view = await deps.views.repo(target.owner, target.name);
  // Unknown, hidden without its token and never fed all look the same, and name only what the URL says.
  if (!view || !canView(view.repo, token) || view.state.fresh) {
    return notFedCardModel(subjectOf(target), resolveOptions(query));
  }
  return fedCardModel(view.state, resolveOptions(query, view.display.locale), now);
}

function parseTarget(pathname: string): { target: Target; format: CardFormat } | null {
  const user = USER_PATH.exec(pathname);
  if (user) {
    const login = segment(user[1]) ?? user[1] ?? "";
    return { target: { kind: "user", login }, format: user[2] as CardFormat };
  }
  const repo = REPO_PATH.exec(pathname);
  if (repo) {
    const owner = segment(repo[1]) ?? repo[1] ?? "";
    const name = segment(repo[2]) ?? repo[2] ?? "";
    return { target: { kind: "repo", owner, name }, format: repo[3] as CardFormat };
  }
  return null;
}

function subjectOf(target: Target): string {
  return target.kind === "user" ? `@${target.login}` : `${target.owner}/${target.name}`;
}

function lastGoodKey(target: Target, format: CardFormat, query: CardQuery, token: string | null): string {
  // The token is part of the key: a card drawn for a private repo's token never answers a request without it.
  return createHash("sha256")
    .update(JSON.stringify([subjectOf(target).toLowerCase(), format, query, token ?? ""]))
    .digest("base64url");
}

/** True when `If-None-Match` names `etag` (or is `*`); weak tags compare by their opaque part. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const tags = (Array.isArray(header) ? header.join(",") : header).split(",").map((t) => t.trim());
  return tags.some((t) => t === "*" || t.replace(/^W\//, "") === etag);
}

function send(
  res: ServerResponse,
  card: RenderedCard,
  cacheControl: string,
  ifNoneMatch: string | string[] | undefined,
  head: boolean,
): true {
  const headers: Record<string, string | number> = {
    "content-type": card.contentType,
    "cache-control": cacheControl,
    ...SECURITY_HEADERS,
  };
  if (card.etag) headers.etag = card.etag;
  if (card.etag && etagMatches(ifNoneMatch, card.etag)) {
    const { "content-type": _type, ...rest } = headers;
    res.writeHead(304, rest);
    res.end();
    return true;
  }
  headers["content-length"] = card.body.length;
  res.writeHead(200, headers);
  res.end(head ? undefined : card.body);
  return true;
}

function sizeOf(card: RenderedCard): number {
  return card.body.length;
}
