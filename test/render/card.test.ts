import { beforeAll, describe, expect, it } from "vitest";
import { MOODS, type Mood } from "../../src/domain/mood.js";
import { OUTFITS, SEASONS } from "../../src/domain/outfits.js";
import { seasonScene } from "../../src/render/backgrounds.js";
import { cardArt, cardTree } from "../../src/render/card.js";
import { fedCardModel, formatXp, notFedCardModel } from "../../src/render/card-model.js";
import { dashBird } from "../../src/render/dash-art.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import type { CardOptions, CardStyle, Lang, Theme } from "../../src/render/options.js";
import { CardRenderer } from "../../src/render/renderer.js";
import { COLORS } from "../../src/render/theme.js";
import { svgMarkup, type VChild } from "../../src/render/vnode.js";
import { LIGHT_EN, NOW, repoState, userState } from "./fixtures.js";
import { decodePng, expectSafeSvg, pixelAt, svgSize } from "./svg-checks.js";

let renderer: CardRenderer;
beforeAll(async () => {
  renderer = new CardRenderer(await loadCardFonts());
});

/** Every text shown by a satori tree, in order. */
function texts(node: VChild | VChild[]): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node === null || node === false || node === undefined) return [];
  if (typeof node !== "object") return [String(node)];
  return texts(node.props.children);
}

const HOURS_FOR: Record<Mood, number> = { happy: 2, peckish: 30, hungry: 100, starving: 300 };
const THEMES: Theme[] = ["light", "dark"];
const LANGS: Lang[] = ["en", "ja"];

describe("card model (what the card says)", () => {
  it("shows name, level, XP to the next level, mood, last feeding, foods today and the top three", () => {
    const model = fedCardModel(repoState({ xp: 70 }), LIGHT_EN, NOW);
    const shown = texts(cardTree(model));
    expect(shown).toEqual(
      expect.arrayContaining([
        "Dash",
        "dart-lang/sdk",
        "Level 3",
        "10 / 80 XP",
        "70 XP to Lv 4",
        "Happy",
        "Fed 2 h ago · 3 today",
        "Top feeders (XP)",
        "alice",
        "120",
        "bob",
        "80",
        "carol",
        "20",
      ]),
    );
    expect(model.progress).toBe(0.125);
  });

  it("speaks Japanese with ?lang=ja", () => {
    const shown = texts(cardTree(fedCardModel(repoState({ xp: 70 }), { ...LIGHT_EN, lang: "ja" }, NOW)));
    expect(shown).toEqual(
      expect.arrayContaining(["レベル 3", "Lv 4 まで あと 70 XP", "ごきげん", "2時間前にごはん · きょう 3 食"]),
    );
  });

  it.each([
    [0.01, "Fed just now", "たった今にごはん"],
    [0.5, "Fed 30 min ago", "30分前にごはん"],
    [47, "Fed 47 h ago", "47時間前にごはん"],
    [24 * 9, "Fed 9 days ago", "9日前にごはん"],
  ])("says when Dash was last fed (%s h ago)", (hoursAgo, en, ja) => {
    expect(fedCardModel(repoState({ hoursAgo }), LIGHT_EN, NOW).fedText).toBe(en);
    expect(fedCardModel(repoState({ hoursAgo }), { ...LIGHT_EN, lang: "ja" }, NOW).fedText).toBe(ja);
  });

  it.each(MOODS)("names the %s mood in both languages", (mood) => {
    const state = repoState({ hoursAgo: HOURS_FOR[mood] });
    expect(state.mood).toBe(mood);
    const en = fedCardModel(state, LIGHT_EN, NOW);
    const ja = fedCardModel(state, { ...LIGHT_EN, lang: "ja" }, NOW);
    expect(en.mood).toBe(mood);
    expect(en.moodText).not.toBe(ja.moodText);
  });

  it("keeps huge XP short and says when the top level is reached", () => {
    const model = fedCardModel(repoState({ xp: 10 * (2 ** 60 - 2) + 5 }), LIGHT_EN, NOW);
    expect(model.levelText).toBe("Level 60");
    expect(model.nextText).toBe("Max level!");
    expect(model.progress).toBe(1);
    expect(model.xpText).toBe("1.2e19 XP");
    expect(formatXp(123_456)).toBe("123.5K");
    expect(formatXp(99_999)).toBe("99,999");
  });

  it("shows a personal Dash with its favourite foods instead of contributors", () => {
    const model = fedCardModel(userState("alice"), LIGHT_EN, NOW);
    expect(model.subtitle).toBe("@alice · personal Dash");
    expect(model.list).toEqual([
      { label: "curry", value: "× 9" },
      { label: "mapo tofu", value: "× 4" },
      { label: "tteokbokki", value: "× 2" },
    ]);
  });

  it("shows a friendly 'not fed yet' card that names only the subject it was asked for", () => {
    const shown = texts(cardTree(notFedCardModel("octo/hello", LIGHT_EN)));
    expect(shown).toEqual(["Dash", "octo/hello", "Not fed yet", expect.stringContaining("feed Dash")]);
    expect(texts(cardTree(notFedCardModel("octo/hello", { ...LIGHT_EN, lang: "ja" })))).toContain(
      "まだごはんを食べていません",
    );
  });
});

describe("Dash art", () => {
  const markup = (nodes: VChild[]) => svgMarkup(nodes);

  it("draws each mood visibly differently", () => {
    const arts = MOODS.map((mood) => markup(dashBird({ outfit: "normal", mood })));
    expect(new Set(arts).size).toBe(MOODS.length);
    const [happy, peckish, hungry, starving] = arts as [string, string, string, string];
    // Happy: smiling closed eyes and sparkles; starving: the colour drains to grey, with tears.
    expect(happy).toContain("#ffd43b");
    expect(peckish).not.toContain("#ffd43b");
    expect(hungry).toContain("#8fd0ff"); // a bead of sweat
    expect(starving).toContain("#97a6b6");
    expect(happy).not.toContain("#97a6b6");
    expect(starving).not.toContain("#3d8fe8");
  });

  it("dresses Dash in each outfit", () => {
    const arts = OUTFITS.map((outfit) => markup(dashBird({ outfit, mood: "peckish" })));
    expect(new Set(arts).size).toBe(OUTFITS.length);
    const marker = { spring: "#4caf50", summer: "#f6dc8f", autumn: "#ffb347", winter: "#e03c5a" } as const;
    for (const [outfit, color] of Object.entries(marker)) {
      expect(arts[OUTFITS.indexOf(outfit as keyof typeof marker)]).toContain(color);
      expect(arts[0]).not.toContain(color);
    }
  });

  it("paints each season's background differently", () => {
    const scenes = SEASONS.map((s) => markup(seasonScene(s)));
    expect(new Set(scenes).size).toBe(SEASONS.length);
    SEASONS.forEach((s, i) => {
      expect(scenes[i]).toContain(`sky-${s}`);
    });
  });

  it("puts the state's outfit, mood and season on the card", () => {
    const state = repoState({ xp: 400, hoursAgo: 100, season: "winter", outfit: "autumn" });
    const art = svgMarkup(cardArt(fedCardModel(state, LIGHT_EN, NOW)));
    expect(art).toContain("sky-winter");
    expect(art).toContain(markup(dashBird({ outfit: "autumn", mood: "hungry" })));
  });
});

describe("rendered SVG", () => {
  const combos: [Mood, Theme, Lang][] = MOODS.flatMap((m) =>
    THEMES.flatMap((t) => LANGS.map((l) => [m, t, l] as [Mood, Theme, Lang])),
  );

  it.each(combos)("%s, %s, %s: a safe 600×200 SVG with an accessible title", async (mood, theme, lang) => {
    const model = fedCardModel(repoState({ hoursAgo: HOURS_FOR[mood] }), { theme, lang, style: "card" }, NOW);
    const svg = await renderer.svg(model);
    expectSafeSvg(svg);
    expect(svgSize(svg)).toEqual({ width: 600, height: 200 });
    expect(svg).toContain(`<title>${model.alt}</title>`);
    expect(svg).toContain(theme === "dark" ? 'fill="#0d1117"' : 'fill="#ffffff"');
    // Text is drawn as paths: no fonts to fetch, nothing to inject.
    expect(svg).not.toMatch(/<text|font-family/);
  });

  it.each(OUTFITS)("outfit %s renders", async (outfit) => {
    const svg = await renderer.svg(fedCardModel(repoState({ xp: 400, outfit }), LIGHT_EN, NOW));
    expectSafeSvg(svg);
  });

  it.each(SEASONS)("season %s renders", async (season) => {
    const svg = await renderer.svg(fedCardModel(repoState({ season }), LIGHT_EN, NOW));
    expectSafeSvg(svg);
  });

  it.each(
    THEMES.flatMap((t) =>
      LANGS.flatMap((l) => (["card", "badge"] as CardStyle[]).map((s) => ({ theme: t, lang: l, style: s }))),
    ),
  )("not fed yet: %o", async (options: CardOptions) => {
    const svg = await renderer.svg(notFedCardModel("octo/hello", options));
    expectSafeSvg(svg);
    if (options.style === "badge") expect(svgSize(svg).height).toBe(20);
    else expect(svgSize(svg)).toEqual({ width: 600, height: 200 });
  });

  it.each(MOODS)("the %s badge is 20 px high, like shields badges", async (mood) => {
    const svg = await renderer.svg(
      fedCardModel(repoState({ hoursAgo: HOURS_FOR[mood] }), { ...LIGHT_EN, style: "badge" }, NOW),
    );
    expectSafeSvg(svg);
    const size = svgSize(svg);
    expect(size.height).toBe(20);
    expect(size.width).toBeGreaterThan(60);
    expect(size.width).toBeLessThan(300);
  });

  it("renders the same model to the same bytes", async () => {
    const model = fedCardModel(repoState(), LIGHT_EN, NOW);
    expect(await renderer.svg(model)).toBe(await renderer.svg(structuredClone(model)));
  });
});

describe("rendered PNG", () => {
  it("decodes at the card size, and at twice that with scale 2", async () => {
    const one = decodePng((await renderer.render(fedCardModel(repoState(), LIGHT_EN, NOW), "png")).body);
    expect([one.width, one.height]).toEqual([600, 200]);
    const two = decodePng(
      (await renderer.render(fedCardModel(repoState(), { ...LIGHT_EN, scale: 2 }, NOW), "png")).body,
    );
    expect([two.width, two.height]).toEqual([1200, 400]);
  });

  it("decodes the badge at its SVG size (and twice that with scale 2)", async () => {
    const model = fedCardModel(repoState(), { ...LIGHT_EN, style: "badge" }, NOW);
    const size = svgSize((await renderer.render(model, "svg")).body.toString());
    const png = decodePng((await renderer.render(model, "png")).body);
    expect([png.width, png.height]).toEqual([size.width, 20]);
    const sharp = fedCardModel(repoState(), { ...LIGHT_EN, style: "badge", scale: 2 }, NOW);
    expect(decodePng((await renderer.render(sharp, "png")).body).height).toBe(40);
  });

  it.each(THEMES)("has a rounded border and rounded art corners, drawn without clips or masks (%s)", async (theme) => {
    const options = { ...LIGHT_EN, theme };
    for (const model of [fedCardModel(repoState(), options, NOW), notFedCardModel("a/b", options)]) {
      const svg = (await renderer.render(model, "svg")).body.toString();
      // A clip, a mask or an embedded image is a layer of its own for resvg.
      expect(svg).not.toMatch(/\s(clip-path|mask)="url\(#|<image/);
      const png = decodePng((await renderer.render(model, "png")).body);
      const hex = (x: number, y: number) =>
        `#${[...pixelAt(png, x, y).slice(0, 3)].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
      expect(pixelAt(png, 0, 0)[3]).toBe(0); // outside the rounded corner
      expect(hex(300, 0)).toBe(COLORS[theme].border);
      expect(hex(599, 100)).toBe(COLORS[theme].border);
      expect(hex(3, 3)).toBe(COLORS[theme].bg); // the art's corner, painted over
      expect(hex(100, 3)).not.toBe(COLORS[theme].bg); // the art itself
    }
  });

  it("shows a blue Dash when fed and a grey one when starving", async () => {
    // (60, 100) in the art is Dash's body, left of the belly.
    const at = async (hoursAgo: number) => {
      const png = decodePng((await renderer.render(fedCardModel(repoState({ hoursAgo }), LIGHT_EN, NOW), "png")).body);
      return pixelAt(png, 60, 100);
    };
    const [r, g, b] = await at(2);
    expect(b - r).toBeGreaterThan(100);
    expect(b).toBeGreaterThan(g);
    const [gr, gg, gb] = await at(300);
    expect(Math.abs(gb - gr)).toBeLessThan(40);
    expect(Math.abs(gg - gr)).toBeLessThan(40);
  });
});
