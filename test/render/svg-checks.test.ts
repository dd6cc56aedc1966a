import { describe, expect, it } from "vitest";
import { notFedCardModel } from "../../src/render/card-model.js";
import { loadCardFonts } from "../../src/render/fonts.js";
import { CardRenderer } from "../../src/render/renderer.js";
import { LIGHT_EN } from "./fixtures.js";
import { expectSafeSvg, svgDocuments } from "./svg-checks.js";

// The safety check itself must catch what it claims to catch, or the hostile-input tests prove nothing.
describe("expectSafeSvg", () => {
  it.each([
    ["a script element", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ["an event handler", '<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>'],
    ["an external image", '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>'],
    ["an external fill", '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/#g)"/></svg>'],
    ["broken XML", '<svg xmlns="http://www.w3.org/2000/svg"><title>a</b></svg>'],
    [
      "a script inside an embedded image",
      `<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;utf8,${encodeURIComponent("<svg><script>x</script></svg>")}"/></svg>`,
    ],
  ])("rejects %s", (_, svg) => {
    expect(() => expectSafeSvg(svg)).toThrow();
  });

  it("finds the icon satori embeds in a badge as a nested SVG document", async () => {
    const badge = notFedCardModel("a/b", { ...LIGHT_EN, style: "badge" });
    const svg = await new CardRenderer(await loadCardFonts()).svg(badge);
    const docs = svgDocuments(svg);
    expect(docs).toHaveLength(2);
    expect(docs[0]).not.toContain("<ellipse");
    expect(docs[1]).toContain("<ellipse");
    expectSafeSvg(svg);
  });
});
