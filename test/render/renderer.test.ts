import type { Font } from "satori";
import { beforeAll, describe, expect, it } from "vitest";
import { type CardModel, fedCardModel } from "../../src/render/card-model.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import { Lru } from "../../src/render/lru.js";
import { type CardFormat, CardRenderer, RenderBusyError, renderKey } from "../../src/render/renderer.js";
import { LIGHT_EN, NOW, repoState } from "./fixtures.js";

let fonts: Font[];
beforeAll(async () => {
  fonts = await loadCardFonts();
});

function counting() {
  const renders: CardFormat[] = [];
  const renderer = new CardRenderer(fonts, { onRendered: (format) => renders.push(format) });
  return { renderer, renders };
}

describe("render cache", () => {
  it("renders the same state once and answers with the same bytes", async () => {
    const { renderer, renders } = counting();
    const a = await renderer.render(fedCardModel(repoState(), LIGHT_EN, NOW), "svg");
    const b = await renderer.render(fedCardModel(repoState(), LIGHT_EN, NOW), "svg");
    expect(b.body.equals(a.body)).toBe(true);
    expect(b.etag).toBe(a.etag);
    expect(renders).toEqual(["svg"]);
  });

  it("renders again when what the card shows changes", async () => {
    const { renderer, renders } = counting();
    const a = await renderer.render(fedCardModel(repoState({ xp: 70 }), LIGHT_EN, NOW), "svg");
    const b = await renderer.render(fedCardModel(repoState({ xp: 80 }), LIGHT_EN, NOW), "svg");
    const c = await renderer.render(fedCardModel(repoState({ xp: 80 }), { ...LIGHT_EN, theme: "dark" }, NOW), "svg");
    expect(new Set([a.etag, b.etag, c.etag]).size).toBe(3);
    expect(renders).toEqual(["svg", "svg", "svg"]);
  });

  it("shares one render between concurrent requests", async () => {
    const { renderer, renders } = counting();
    const model = fedCardModel(repoState(), LIGHT_EN, NOW);
    const all = await Promise.all(Array.from({ length: 8 }, () => renderer.render(model, "png")));
    expect(new Set(all.map((r) => r.body)).size).toBe(1);
    // The PNG is drawn from the (cached) SVG: one of each.
    expect(renders.sort()).toEqual(["png", "svg"]);
  });

  it("keys by format: SVG, PNG and JSON of one state have different tags and types", async () => {
    const { renderer } = counting();
    const model = fedCardModel(repoState(), LIGHT_EN, NOW);
    const types = await Promise.all((["svg", "png", "json"] as const).map((f) => renderer.render(model, f)));
    expect(types.map((t) => t.contentType)).toEqual([
      "image/svg+xml; charset=utf-8",
      "image/png",
      "application/json; charset=utf-8",
    ]);
    expect(new Set(types.map((t) => t.etag)).size).toBe(3);
    expect(renderKey(model, "svg")).toBe(renderKey(structuredClone(model), "svg"));
  });

  it("forgets the least recently used renders beyond its limit", async () => {
    const renders: CardFormat[] = [];
    const renderer = new CardRenderer(fonts, { maxEntries: 2, onRendered: (f) => renders.push(f) });
    const model = (xp: number) => fedCardModel(repoState({ xp }), LIGHT_EN, NOW);
    await renderer.render(model(70), "json");
    await renderer.render(model(80), "json");
    await renderer.render(model(70), "json"); // hit; 80 is now the oldest
    await renderer.render(model(90), "json"); // evicts 80
    await renderer.render(model(70), "json"); // still cached
    await renderer.render(model(80), "json"); // rendered again
    expect(renders.length).toBe(4);
  });
});

describe("Lru", () => {
  it("is bounded by entries and by bytes", () => {
    const lru = new Lru<string>({ maxEntries: 3, maxBytes: 10, sizeOf: (v) => v.length });
    lru.set("a", "1234");
    lru.set("b", "1234");
    expect(lru.size).toBe(2);
    lru.set("c", "1234"); // 12 bytes > 10: "a" goes
    expect(lru.get("a")).toBeUndefined();
    expect(lru.get("b")).toBe("1234");
    lru.set("d", "1");
    lru.set("e", "1"); // 4 entries > 3: the least recently used ("c") goes
    expect(lru.get("c")).toBeUndefined();
    expect(lru.get("b")).toBe("1234");
    expect(lru.size).toBe(3);
  });

  it("keeps a single entry larger than the byte limit (the newest is never evicted by itself)", () => {
    const lru = new Lru<string>({ maxEntries: 3, maxBytes: 2, sizeOf: (v) => v.length });
    lru.set("a", "12345");
    expect(lru.get("a")).toBe("12345");
  });
});

describe("drawing queue", () => {
  it("draws one card at a time, lets a bounded number wait, and refuses the rest", async () => {
    const drawing: number[] = [];
    let concurrent = 0;
    const renderer = new CardRenderer(fonts, { maxWaiting: 3 });
    const draw = renderer.svg.bind(renderer);
    renderer.svg = async (model) => {
      drawing.push(++concurrent);
      try {
        return await draw(model);
      } finally {
        concurrent--;
      }
    };
    const [first, second, third, fourth] = [1, 2, 3, 4].map((i) =>
      fedCardModel(repoState({ xp: 100 * i }), LIGHT_EN, NOW),
    ) as [CardModel, CardModel, CardModel, CardModel];
    const asked = [first, second, third, fourth].map((m) => renderer.render(m, "png"));
    // The same card asked again joins its render instead of waiting again.
    const again = renderer.render(first, "png");
    const settled = await Promise.allSettled([...asked, again]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(RenderBusyError);
    expect(drawing).toEqual([1, 1, 1]);
    // Once the queue has drained, there is room again.
    await expect(renderer.render(fourth, "svg")).resolves.toMatchObject({
      contentType: expect.stringContaining("svg"),
    });
  });
});
