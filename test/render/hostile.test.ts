import { beforeAll, describe, expect, it } from "vitest";
import { fedCardModel, MAX_LOGIN, MAX_NAME, notFedCardModel } from "../../src/render/card-model.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import { CardRenderer } from "../../src/render/renderer.js";
import { shieldsEndpoint } from "../../src/render/shields.js";
import { cleanText, escapeXml, fitWidth, graphemes } from "../../src/render/text.js";
import { LIGHT_EN, NOW, repoState } from "./fixtures.js";
import { decodePng, expectSafeSvg } from "./svg-checks.js";

/** Names an attacker (or an unlucky user) could put in a URL, a login or `.github/dash.yml`. */
const HOSTILE: [string, string][] = [
  ["script tag", "<script>alert(1)</script>"],
  ["markup and entities", `Tom & Jerry "quoted" 'single' &amp; &#x3C;b&#x3E;`],
  ["CDATA end and comment", "]]><!-- x --><![CDATA["],
  ["closing the title", "</title><script>alert(1)</script><title>"],
  ["event handler", '<img src=x onerror="alert(1)">'],
  ["javascript URL", "javascript:alert(document.cookie)"],
  ["external reference", '<image href="https://evil.example/x.png"/>'],
  ["emoji", "🐦🔥 👩‍👩‍👧‍👦 🏳️‍🌈 Dash 🎉"],
  ["right-to-left override", "\u202Egnp.exe\u202C evil \u2066isolate\u2069"],
  ["Arabic and Hebrew", "مرحبا بالعالم שלום עולם"],
  ["500 characters", "x".repeat(500)],
  ["500 emoji", "🐦".repeat(500)],
  ["control characters", "a\u0000b\u0007c\nd\te\u001bf\u007f"],
  ["lone surrogates", "a\ud800b\udc00c"],
  ["XML non-characters", "a\ufffeb\uffffc"],
  ["line separators", "a\u2028b\u2029c"],
  ["only spaces", "   "],
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for exactly these characters.
const BIDI_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u2028\u2029\ufffe\uffff]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

let renderer: CardRenderer;
beforeAll(async () => {
  renderer = new CardRenderer(await loadCardFonts());
});

describe("cleanText", () => {
  it.each(HOSTILE)("%s: no controls, bidi overrides or broken surrogates, at most N graphemes", (_, text) => {
    const clean = cleanText(text, 20);
    expect(clean).not.toMatch(BIDI_OR_CONTROL);
    expect(clean).not.toMatch(LONE);
    expect(graphemes(clean).length).toBeLessThanOrEqual(20);
  });

  it("cuts by graphemes, never inside an emoji, and marks the cut", () => {
    expect(cleanText("👩‍👩‍👧‍👦".repeat(5), 3)).toBe("👩‍👩‍👧‍👦👩‍👩‍👧‍👦…");
    expect(cleanText("abcdef", 6)).toBe("abcdef");
    expect(cleanText("abcdefg", 6)).toBe("abcde…");
  });

  it("folds whitespace and keeps ordinary text as it is", () => {
    expect(cleanText("  Dash \n the\tbird ", 40)).toBe("Dash the bird");
    expect(cleanText("ダッシュ", 40)).toBe("ダッシュ");
  });

  it("fits one-line text to a width by a generous estimate, ending in an ellipsis when cut", () => {
    expect(fitWidth("Dash", 250, 26, true)).toBe("Dash");
    const cut = fitWidth("W".repeat(24), 250, 26, true);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeLessThan(12);
    expect(fitWidth("ダッシュ".repeat(10), 250, 26, true)).toMatch(/^(ダッシュ)+[ダッシュ]*…$/);
    expect(graphemes(fitWidth("🐦".repeat(100), 66, 12)).length).toBeLessThan(8);
  });

  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;",
    );
  });
});

describe("hostile names on cards", () => {
  it.each(HOSTILE)("%s as Dash name, repo and contributor: safe, escaped, truncated", async (_, text) => {
    const state = repoState({
      name: text,
      subject: `${text}/${text}`,
      contributors: [
        { login: text, xp: 30 },
        { login: "bob", xp: 20 },
      ],
    });
    for (const style of ["card", "badge"] as const) {
      const model = fedCardModel(state, { ...LIGHT_EN, style }, NOW);
      expect(graphemes(model.name).length).toBeLessThanOrEqual(MAX_NAME);
      expect(graphemes(model.list[0]?.label ?? "").length).toBeLessThanOrEqual(MAX_LOGIN);
      expect(model.name).not.toMatch(BIDI_OR_CONTROL);
      const svg = await renderer.svg(model);
      expectSafeSvg(svg);
      expect(svg).toContain(`<title>${escapeXml(model.alt)}</title>`);
      const json = shieldsEndpoint(model);
      expect(json.label).toBe(model.name);
    }
  });

  it.each(HOSTILE)("%s as the subject of a 'not fed yet' card: safe", async (_, text) => {
    const svg = await renderer.svg(notFedCardModel(`${text}/${text}`, LIGHT_EN));
    expectSafeSvg(svg);
  });

  it("still draws a PNG for names no card font can show", async () => {
    const state = repoState({ name: "🐦 مرحبا \u202Eevil", contributors: [{ login: "<b>&", xp: 1 }] });
    const png = decodePng((await renderer.render(fedCardModel(state, LIGHT_EN, NOW), "png")).body);
    expect(png.width).toBe(600);
  });

  it("falls back to 'Dash' when a name is nothing but invisible characters", () => {
    expect(fedCardModel(repoState({ name: "\u202E\u0000 \u2066" }), LIGHT_EN, NOW).name).toBe("Dash");
  });
});
