import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { fedCardModel, notFedCardModel } from "../../src/render/card-model.js";
import { cardUrl, readmeSnippets } from "../../src/render/links.js";
import { shieldsEndpoint } from "../../src/render/shields.js";
import { LIGHT_EN, NOW, repoState } from "./fixtures.js";

describe("cardUrl", () => {
  it("builds the card URL with a version that follows the state", () => {
    const a = cardUrl("https://dash.example/", "octo", "hello", repoState({ xp: 70 }));
    const b = cardUrl("https://dash.example", "octo", "hello", repoState({ xp: 80 }));
    expect(a).toMatch(/^https:\/\/dash\.example\/dash\/octo\/hello\.svg\?v=[\w-]{10}$/);
    expect(b).not.toBe(a);
    expect(cardUrl("https://dash.example", "octo", "hello", repoState({ xp: 70 }))).toBe(a);
  });

  it("adds format, theme, language, style and token, and encodes names", () => {
    const url = new URL(
      cardUrl("https://dash.example", "o w", "r&x", repoState(), {
        format: "png",
        theme: "dark",
        lang: "ja",
        style: "badge",
        scale: 2,
        token: "t+k/n",
      }),
    );
    expect(url.pathname).toBe("/dash/o%20w/r%26x.png");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      theme: "dark",
      lang: "ja",
      style: "badge",
      scale: "2",
      token: "t+k/n",
    });
  });

  it("leaves defaults out and needs no state", () => {
    expect(cardUrl("https://dash.example", "octo", "hello", null, { theme: "light", lang: "en" })).toBe(
      "https://dash.example/dash/octo/hello.svg",
    );
  });
});

describe("readmeSnippets", () => {
  const byTitle = (token?: string) =>
    Object.fromEntries(readmeSnippets("https://dash.example", "octo", "hello", token).map((s) => [s.title, s]));

  it("offers SVG, PNG, light/dark, Japanese, badge and shields snippets", () => {
    const s = byTitle();
    expect(Object.keys(s)).toHaveLength(6);
    expect(s["SVG card"]?.code).toBe(
      "![Dash, the Dart mascot, fed by octo/hello](https://dash.example/dash/octo/hello.svg)",
    );
    expect(s["PNG card"]?.code).toContain("https://dash.example/dash/octo/hello.png)");
    expect(s.Japanese?.code).toContain("hello.svg?lang=ja)");
    expect(s["Badge (for a README header)"]?.code).toContain("hello.svg?style=badge)");
    expect(s["shields.io"]?.code).toBe(
      `![Dash](https://img.shields.io/endpoint?url=${encodeURIComponent("https://dash.example/dash/octo/hello.json")})`,
    );
  });

  it("switches with GitHub's colour mode through <picture> sources", () => {
    const picture = byTitle()["Light and dark (follows GitHub's colour mode)"];
    expect(picture?.language).toBe("html");
    expect(picture?.code).toContain(
      '<source media="(prefers-color-scheme: dark)" srcset="https://dash.example/dash/octo/hello.svg?theme=dark">',
    );
    expect(picture?.code).toContain(
      '<source media="(prefers-color-scheme: light)" srcset="https://dash.example/dash/octo/hello.svg">',
    );
    expect(XMLValidator.validate(picture?.code.replace(/<(source|img)([^>]*)>/g, "<$1$2/>") ?? "")).toBe(true);
  });

  it("carries a private repo's token in every URL, escaped inside HTML", () => {
    const snippets = readmeSnippets("https://dash.example", "octo", "secret", "tok");
    for (const s of snippets) expect(s.code).toMatch(/token(=|%3D)tok/);
    const picture = snippets.find((s) => s.language === "html")?.code ?? "";
    expect(picture).toContain("secret.svg?theme=dark&amp;token=tok");
  });
});

describe("shields endpoint", () => {
  it("follows the endpoint schema: label, message and colour by mood", () => {
    const colors = [2, 30, 100, 300].map((hoursAgo) => {
      const json = shieldsEndpoint(fedCardModel(repoState({ hoursAgo }), LIGHT_EN, NOW));
      expect(json.schemaVersion).toBe(1);
      expect(json.label).toBe("Dash");
      expect(json.message).toMatch(/^Lv 3 · /);
      expect(XMLValidator.validate(json.logoSvg)).toBe(true);
      return json.color;
    });
    expect(colors).toEqual(["brightgreen", "yellowgreen", "orange", "red"]);
  });

  it("says 'not fed yet' in grey, in the asked language", () => {
    expect(shieldsEndpoint(notFedCardModel("a/b", LIGHT_EN))).toMatchObject({
      schemaVersion: 1,
      label: "Dash",
      message: "not fed yet",
      color: "lightgrey",
    });
    expect(shieldsEndpoint(notFedCardModel("a/b", { ...LIGHT_EN, lang: "ja" })).message).toBe("まだごはん前");
    expect(shieldsEndpoint(fedCardModel(repoState(), { ...LIGHT_EN, lang: "ja" }, NOW)).message).toBe(
      "Lv 3 · ごきげん",
    );
  });
});
