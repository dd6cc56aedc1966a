import { Resvg } from "@resvg/resvg-js";

/**
 * PNGs are drawn at the card's own size by default (a fresh one in a few milliseconds); `?scale=2`
 * draws them twice as large for high-density screens, at about three times the cost.
 */
export const PNG_SCALE = 1;

/**
 * Rasterises one of our SVGs. Text is already paths (satori embeds the glyphs), so resvg needs no
 * fonts at all: skipping the system font scan keeps a PNG render fast and identical on every machine.
 */
export function svgToPng(svg: string, scale = PNG_SCALE): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: false },
  });
  return resvg.render().asPng();
}
