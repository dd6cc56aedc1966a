import { describe, expect, it } from "vitest";
import { parseCardQuery, resolveOptions } from "../../src/render/options.js";

const q = (text: string) => parseCardQuery(new URLSearchParams(text));

describe("card options from the query string", () => {
  it("reads theme, lang, style and scale", () => {
    expect(q("theme=dark&lang=ja&style=badge&scale=2")).toEqual({
      theme: "dark",
      lang: "ja",
      style: "badge",
      scale: 2,
    });
    expect(q("theme=DARK&lang= ja ")).toMatchObject({ theme: "dark", lang: "ja" });
  });

  it("falls back to defaults for missing or unknown values", () => {
    expect(q("")).toEqual({ theme: "light", lang: null, style: "card" });
    expect(q("theme=purple&lang=xx&style=huge&scale=3")).toEqual({ theme: "light", lang: null, style: "card" });
    expect(q("theme=<script>&lang=%00")).toEqual({ theme: "light", lang: null, style: "card" });
  });

  it("uses the repo's language when the URL names none", () => {
    expect(resolveOptions(q(""), "ja").lang).toBe("ja");
    expect(resolveOptions(q("lang=en"), "ja").lang).toBe("en");
    expect(resolveOptions(q("lang=xx")).lang).toBe("en");
  });
});
