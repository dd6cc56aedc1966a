import { createHash } from "node:crypto";
import satori, { type Font } from "satori";
import { cardArt, cardTree } from "./card.js";
import type { CardModel } from "./card-model.js";
import { Lru } from "./lru.js";
import { svgToPng } from "./png.js";
import { shieldsEndpoint } from "./shields.js";
import { escapeXml } from "./text.js";
import { svgMarkup } from "./vnode.js";

export type CardFormat = "svg" | "png" | "json";

/** Bump when the drawing changes, so cached renders and ETags from an older version are not reused. */
export const RENDER_VERSION = "3";

export interface RenderedCard {
  body: Buffer;
  contentType: string;
  /** Strong validator: the hash of what the card shows, with the format and renderer version. */
  etag: string;
}

const CONTENT_TYPES: Record<CardFormat, string> = {
  svg: "image/svg+xml; charset=utf-8",
  png: "image/png",
  json: "application/json; charset=utf-8",
};

/** The ETag of the render with `key`: strong, since equal keys mean identical bytes. */
export function etagOf(key: string): string {
  return `"${key}"`;
}

/** The key of a model's render: equal models (same state, same options) give equal keys. */
export function renderKey(model: CardModel, format: CardFormat): string {
  return createHash("sha256")
    .update(`${RENDER_VERSION}\n${format}\n${JSON.stringify(model)}`)
    .digest("base64url")
    .slice(0, 27);
}

// A glyph no card font has (emoji, mostly) is drawn as a small neutral sparkle rather than a box.
const PLACEHOLDER_GLYPH = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20"><path d="M10 2 Q10 10 18 10 Q10 10 10 18 Q10 10 2 10 Q10 10 10 2 Z" fill="#f59f00"/></svg>',
)}`;

/** Too many cards are waiting to be drawn: the caller answers "busy" rather than queue more. */
export class RenderBusyError extends Error {
  override name = "RenderBusyError";
}

/**
 * Renders card models to SVG, PNG and shields JSON, with a cache keyed by `renderKey`: the same state
 * shown the same way is rendered once, and concurrent requests for it share one render.
 *
 * Drawing is CPU work on the main thread, so cards are drawn one at a time, and at most `maxWaiting`
 * distinct ones wait for their turn: every URL of a never-seen repo is a card of its own, and a flood
 * of them must not queue without bound behind the webhooks.
 */
export class CardRenderer {
  readonly #cache: Lru<RenderedCard>;
  readonly #inFlight = new Map<string, Promise<RenderedCard>>();
  #turns: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  constructor(
    private readonly fonts: Font[],
    private readonly opts: {
      maxEntries?: number;
      maxBytes?: number;
      /** Distinct cards that may wait to be drawn (default 32); beyond that, RenderBusyError. */
      maxWaiting?: number;
      /** Told the time of every real render (a cache hit is not one), for metrics. */
      onRendered?: (format: CardFormat, seconds: number) => void;
    } = {},
  ) {
    this.#cache = new Lru<RenderedCard>({
      maxEntries: opts.maxEntries ?? 2000,
      maxBytes: opts.maxBytes ?? 64 * 1024 * 1024,
      sizeOf: (r) => r.body.length,
    });
  }

  /** A cached render for `renderKey(…)`, if there is one (no work at all). */
  cached(key: string): RenderedCard | undefined {
    return this.#cache.get(key);
  }

  /**
   * The card for `model` in `format`, from the cache when this exact card was drawn before; rejects
   * with RenderBusyError when it would have to wait behind too many others.
   */
  async render(model: CardModel, format: CardFormat, key = renderKey(model, format)): Promise<RenderedCard> {
    const hit = this.#cache.get(key);
    if (hit) return hit;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      if (this.#waiting >= (this.opts.maxWaiting ?? 32)) {
        throw new RenderBusyError(`${this.#waiting} cards are waiting to be drawn`);
      }
      this.#waiting++;
      const turn = this.#turns.then(() => this.#produce(model, format, key));
      this.#turns = turn.catch(() => undefined);
      pending = turn.finally(() => {
        this.#waiting--;
        this.#inFlight.delete(key);
      });
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #produce(model: CardModel, format: CardFormat, key: string): Promise<RenderedCard> {
    if (format === "png") {
      // Within this turn: the SVG it starts from is drawn now unless it is cached already.
      const svgKey = renderKey(model, "svg");
      const svg = this.#cache.get(svgKey) ?? (await this.#produce(model, "svg", svgKey));
      return this.#timed("png", key, () => svgToPng(svg.body.toString("utf8"), model.options.scale ?? 1));
    }
    if (format === "json") return this.#timed("json", key, () => Buffer.from(JSON.stringify(shieldsEndpoint(model))));
    return this.#timed("svg", key, async () => Buffer.from(await this.svg(model)));
  }

  async #timed(format: CardFormat, key: string, draw: () => Buffer | Promise<Buffer>): Promise<RenderedCard> {
    const started = performance.now();
    const rendered = { body: await draw(), contentType: CONTENT_TYPES[format], etag: etagOf(key) };
    this.#cache.set(key, rendered);
    this.opts.onRendered?.(format, (performance.now() - started) / 1000);
    return rendered;
  }

  /** Draws `model` with satori (no cache): text becomes paths, so the SVG needs no fonts to show. */
  async svg(model: CardModel): Promise<string> {
    const size = model.options.style === "badge" ? { height: 20 } : { width: 600, height: 200 };
    const drawn = await satori(cardTree(model), {
      ...size,
      fonts: this.fonts,
      loadAdditionalAsset: async (code) => (code === "emoji" ? PLACEHOLDER_GLYPH : []),
    });
    // The art, drawn last over the room left for it: constant elements, no outside text.
    const art = cardArt(model);
    const svg = art ? drawn.replace(/<\/svg>$/, `${svgMarkup(art)}</svg>`) : drawn;
    // An accessible name for screen readers; the only outside text written into the markup by hand.
    return svg.replace(/^<svg([^>]*)>/, `<svg$1 role="img"><title>${escapeXml(model.alt)}</title>`);
  }
}
