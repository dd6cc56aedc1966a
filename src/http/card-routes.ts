import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { DashState } from "../domain/state.js";
import { type CardModel, fedCardModel, notFedCardModel } from "../render/card-model.js";
import { Lru } from "../render/lru.js";
import { type CardQuery, DEFAULT_OPTIONS, type Lang, parseCardQuery, resolveOptions } from "../render/options.js";
import {
  type CardFormat,
  type CardRenderer,
  etagOf,
  RenderBusyError,
  type RenderedCard,
  renderKey,
} from "../render/renderer.js";
import { canView } from "../views/load-dash.js";
import type { CardViews } from "./card-views.js";
import { type HttpHandler, MAX_NAME_LENGTH, segment, sendJson, urlOf } from "./respond.js";

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

const OUTAGE_LOG_INTERVAL_MS = 30_000;

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
  /**
   * Subscribes to changes of who may see a repo's card (a rotated badge token, a repo turned
   * private; see RepoSettingsCache.accessChanged), here or on another replica.
   */
  onAccessChange?: (listener: (repoId: number | null) => void) => void;
}

type Target =
  | { kind: "repo"; owner: string; name: string }
  | { kind: "user"; login: string }
  /** A path no GitHub name fits (see segment): never looked up; `subject` is what the card names. */
  | { kind: "none"; subject: string };

/**
 * `GET /dash/:owner/:repo.svg|png|json` and `GET /dash/user/:login.svg|png|json`: the Dash card, PNG
 * or shields.io endpoint JSON. Never a GitHub API call; never an error image: unknown, never-fed and
 * private-without-token repos all get the same friendly "not fed yet" card with status 200.
 */
export function cardRoutes(deps: CardRoutesDeps): HttpHandler {
  const lastGood = deps.lastGood ?? new Lru<RenderedCard>({ maxEntries: 5_000, maxBytes: 64 * 1024 * 1024, sizeOf });
  // A card remembered under a token rotated since, or from before its repo turned private, must not
  // answer during a later outage, when no token can be checked. Such changes are rare and the cards
  // are only kept for outages (each is remembered again at its next render), so all are forgotten,
  // with the loaded repo records that would let a request still pass the old way for a few seconds;
  // a request already past that check when it happens does not remember its card.
  let accessGeneration = 0;
  deps.onAccessChange?.(() => {
    accessGeneration++;
    deps.views.forgetRepos();
    lastGood.clear();
  });
  const memo = new WeakMap<object, Map<string, Prepared & { minute: number }>>();
  // During an outage every badge view fails the same way: say so once per interval, not per request.
  let warnedAt = Number.NEGATIVE_INFINITY;
  let unreported = 0;
  const warnOutage = (err: unknown, path: string) => {
    const at = deps.now().getTime();
    if (at - warnedAt < OUTAGE_LOG_INTERVAL_MS) {
      unreported++;
      return;
    }
    deps.log.warn(
      { err, path, alsoFailedSinceLastWarning: unreported },
      "card: store unavailable, serving last good cards",
    );
    warnedAt = at;
    unreported = 0;
  };
  const lastGoodFor = (target: Target, format: CardFormat, query: CardQuery, token: string | null) =>
    (token ? lastGood.get(lastGoodKey(target, format, query, token)) : undefined) ??
    lastGood.get(lastGoodKey(target, format, query, null));
  /** The render, or null when too many cards are waiting to be drawn. */
  const drawOrBusy = async (model: CardModel, format: CardFormat, key?: string) => {
    try {
      return await deps.renderer.render(model, format, key);
    } catch (err) {
      if (err instanceof RenderBusyError) return null;
      throw err;
    }
  };
  return async (req, res) => {
    const url = urlOf(req);
    if (!url?.pathname.startsWith("/dash/")) return false;
    const generation = accessGeneration;
    const parsed = parseTarget(url.pathname);
    if (!parsed) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { error: "Only GET is supported" }, { allow: "GET, HEAD" });
    }
    const { target, format } = parsed;
    const asked = parseCardQuery(url.searchParams);
    // What a format does not draw is left out, so that equal answers share one render and one ETag:
    // scale only changes PNGs, and the shields JSON has neither theme nor style.
    const query =
      format === "png"
        ? asked
        : format === "json"
          ? { ...asked, theme: DEFAULT_OPTIONS.theme, style: DEFAULT_OPTIONS.style, scale: undefined }
          : { ...asked, scale: undefined };
    const token = url.searchParams.get("token");
    const head = req.method === "HEAD";
    const ifNoneMatch = req.headers["if-none-match"];

    let prepared: Prepared;
    try {
      prepared = await prepare(deps, memo, target, format, query, token);
    } catch (err) {
      // The store is unreachable: show the last card drawn for this very URL rather than failing.
      warnOutage(err, url.pathname);
      const last = lastGoodFor(target, format, query, token);
      if (last) return send(res, last, STALE_CACHE_CONTROL, ifNoneMatch, head);
      const placeholder = await drawOrBusy(notFedCardModel(subjectOf(target), resolveOptions(query)), format);
      if (!placeholder) return busy(res);
      return send(res, { ...placeholder, etag: "" }, OUTAGE_CACHE_CONTROL, undefined, head);
    }

    // A matching ETag needs no render at all: the tag is the hash of what the card shows.
    const { model, key } = prepared;
    const etag = etagOf(key);
    if (etagMatches(ifNoneMatch, etag)) {
      deps.onLookup?.("hit");
      res.writeHead(304, { etag, "cache-control": CARD_CACHE_CONTROL, ...SECURITY_HEADERS });
      res.end();
      return true;
    }
    const cached = deps.renderer.cached(key);
    deps.onLookup?.(cached ? "hit" : "miss");
    if (model.variant !== "fed") {
      // Unknown, hidden without its token, or never fed: whatever was remembered for this URL (a card
      // from when the repo was public, or from before its token was rotated) must not show again,
      // not even during an outage.
      lastGood.delete(lastGoodKey(target, format, query, token));
      lastGood.delete(lastGoodKey(target, format, query, null));
    }
    const card = cached ?? (await drawOrBusy(model, format, key));
    if (!card) {
      // Too many cards are waiting to be drawn: the last one drawn for this URL, if any, will do,
      // but only where this request may see a fed card at all.
      const last = model.variant === "fed" ? lastGoodFor(target, format, query, token) : undefined;
      return last ? send(res, last, STALE_CACHE_CONTROL, ifNoneMatch, head) : busy(res);
    }
    // Remembered once per new model (a minute at most), not on every request.
    if (prepared.fresh && model.variant === "fed" && generation === accessGeneration) {
      // A private card is remembered under its token only; a public one under no token (any token then
      // finds it). A repo that turned private drops what was remembered while it was public.
      lastGood.set(lastGoodKey(target, format, query, prepared.private ? token : null), card);
      if (prepared.private) lastGood.delete(lastGoodKey(target, format, query, null));
    }
    return send(res, card, CARD_CACHE_CONTROL, undefined, head);
  };
}

interface Prepared {
  model: CardModel;
  /** The render key (and so the ETag) of `model` in the asked format. */
  key: string;
  /** Built for this request rather than remembered from an earlier one. */
  fresh: boolean;
  /** The card belongs to a private repo (shown because the request had its token). */
  private: boolean;
}

/**
 * The model and render key for a request. A loaded Dash is a shared object kept for a few seconds
 * (card-views.ts); the model built from it is remembered per options and minute, so a busy badge does
 * the work once a minute, not once a request ("fed 3 min ago" is the only part that follows the clock).
 */
async function prepare(
  deps: CardRoutesDeps,
  memo: WeakMap<object, Map<string, Prepared & { minute: number }>>,
  target: Target,
  format: CardFormat,
  query: CardQuery,
  token: string | null,
): Promise<Prepared> {
  const now = deps.now();
  let state: DashState | null;
  let locale: Lang | undefined;
  let hidden = false;
  if (target.kind === "none") {
    state = null;
  } else if (target.kind === "user") {
    state = await deps.views.user(target.login);
  } else {
    // Unknown, hidden without its token and never fed all look the same, and name only what the URL
    // says; the token is checked before the Dash is loaded, so they cost the same too.
    const record = await deps.views.record(target.owner, target.name);
    const view = record && canView(record, token) ? await deps.views.repo(target.owner, target.name) : null;
    state = view && canView(view.repo, token) ? view.state : null;
    locale = view?.display.locale;
    hidden = view?.repo.private ?? false;
  }
  if (!state || state.fresh) {
    const model = notFedCardModel(subjectOf(target), resolveOptions(query));
    return { model, key: renderKey(model, format), fresh: true, private: false };
  }
  const minute = Math.floor(now.getTime() / 60_000);
  const optionsKey = `${format} ${query.theme} ${query.lang ?? ""} ${query.style} ${query.scale ?? 1}`;
  let byOptions = memo.get(state);
  if (!byOptions) {
    byOptions = new Map();
    memo.set(state, byOptions);
  }
  const hit = byOptions.get(optionsKey);
  if (hit && hit.minute === minute) return { ...hit, fresh: false };
  const model = fedCardModel(state, resolveOptions(query, locale), now);
  const prepared = { model, key: renderKey(model, format), minute, fresh: true, private: hidden };
  byOptions.set(optionsKey, prepared);
  return prepared;
}

function parseTarget(pathname: string): { target: Target; format: CardFormat } | null {
  const none = (subject: string): Target => ({ kind: "none", subject: subject.slice(0, MAX_NAME_LENGTH) });
  const user = USER_PATH.exec(pathname);
  if (user) {
    const login = segment(user[1]);
    const target: Target = login === null ? none(`@${user[1] ?? ""}`) : { kind: "user", login };
    return { target, format: user[2] as CardFormat };
  }
  const repo = REPO_PATH.exec(pathname);
  if (repo) {
    const owner = segment(repo[1]);
    const name = segment(repo[2]);
    const target: Target =
      owner === null || name === null ? none(`${repo[1] ?? ""}/${repo[2] ?? ""}`) : { kind: "repo", owner, name };
    return { target, format: repo[3] as CardFormat };
  }
  return null;
}

function subjectOf(target: Target): string {
  if (target.kind === "none") return target.subject;
  return target.kind === "user" ? `@${target.login}` : `${target.owner}/${target.name}`;
}

function lastGoodKey(target: Target, format: CardFormat, query: CardQuery, token: string | null): string {
  // The token is part of the key: a card drawn for a private repo's token never answers a request without it.
  return JSON.stringify([target.kind, subjectOf(target).toLowerCase(), format, query, token ?? ""]);
}

/** True when `If-None-Match` names `etag` (or is `*`); weak tags compare by their opaque part. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const tags = (Array.isArray(header) ? header.join(",") : header).split(",").map((t) => t.trim());
  return tags.some((t) => t === "*" || t.replace(/^W\//, "") === etag);
}

// The 200 headers of a card are the same on every request: built once per card and cache policy.
const headerMemo = new WeakMap<RenderedCard, Map<string, Record<string, string | number>>>();

function headersOf(card: RenderedCard, cacheControl: string): Record<string, string | number> {
  let byPolicy = headerMemo.get(card);
  if (!byPolicy) {
    byPolicy = new Map();
    headerMemo.set(card, byPolicy);
  }
  let headers = byPolicy.get(cacheControl);
  if (!headers) {
    headers = {
      "content-type": card.contentType,
      "content-length": card.body.length,
      "cache-control": cacheControl,
      ...(card.etag ? { etag: card.etag } : {}),
      ...SECURITY_HEADERS,
    };
    byPolicy.set(cacheControl, headers);
  }
  return headers;
}

function send(
  res: ServerResponse,
  card: RenderedCard,
  cacheControl: string,
  ifNoneMatch: string | string[] | undefined,
  head: boolean,
): true {
  if (card.etag && etagMatches(ifNoneMatch, card.etag)) {
    res.writeHead(304, { etag: card.etag, "cache-control": cacheControl, ...SECURITY_HEADERS });
    res.end();
    return true;
  }
  res.writeHead(200, headersOf(card, cacheControl));
  res.end(head ? undefined : card.body);
  return true;
}

function sizeOf(card: RenderedCard): number {
  return card.body.length;
}

/** Too busy to draw this card now: never cached, asked again shortly. */
function busy(res: ServerResponse): boolean {
  return sendJson(
    res,
    503,
    { error: "Busy drawing other cards; try again in a moment" },
    { "retry-after": "2", "cache-control": OUTAGE_CACHE_CONTROL },
  );
}
