/**
 * Safety for text that comes from outside (owner, repo and login names, Dash names from `.github/dash.yml`):
 * cleaned before it reaches a renderer, and escaped wherever it is written into markup by hand.
 */

// C0/C1 controls (tab and newlines included: a card line is one line) and XML's forbidden non-characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are removed.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g;
// Bidi embeddings, overrides and isolates, plus the invisible marks: they can make a name read backwards.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Line and paragraph separators would break a one-line label.
const SEPARATORS = /[\u2028\u2029]/g;
// Half a surrogate pair is not a character: XML rejects it and URL encoders throw on it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The user-perceived characters of `text` (an emoji with modifiers counts as one). */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Makes outside text safe and short for a one-line label: drops controls, bidi overrides and broken
 * surrogates, folds whitespace, then keeps at most `max` graphemes (the last one an ellipsis when cut).
 */
export function cleanText(text: string, max: number): string {
  const plain = text
    .replace(LONE_SURROGATE, "")
    .replace(CONTROL, " ")
    .replace(BIDI, "")
    .replace(SEPARATORS, " ")
    .replace(/\s+/gu, " ")
    .trim();
  const parts = graphemes(plain);
  if (parts.length <= max) return plain;
  return `${parts
    .slice(0, Math.max(0, max - 1))
    .join("")
    .trimEnd()}…`;
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Escapes text for an XML/HTML text node or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

// East Asian wide and fullwidth ranges: Hangul Jamo, CJK and kana, Hangul syllables, compatibility ideographs, fullwidth forms.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

/** A deliberately generous guess at one grapheme's advance, in em, for the card fonts (Inter, Noto Sans JP). */
function emWidth(g: string): number {
  if (PICTOGRAPH.test(g) || g.length > 2) return 1.2;
  if (WIDE.test(g)) return 1.0;
  if (/^[mwMW@%]$/.test(g)) return 0.95;
  if (/^\p{Lu}$/u.test(g)) return 0.76;
  if (/^\p{Ll}$/u.test(g) || /^[0-9]$/.test(g)) return 0.64;
  if (g === " ") return 0.3;
  if (g.charCodeAt(0) < 0x80) return 0.64;
  // Other scripts have no card font and show as boxes; combining marks add nothing but are rare.
  return 0.85;
}

/**
 * Shortens one-line text to fit `maxPx` at `fontPx` (ending in an ellipsis when cut), by a generous
 * width estimate. Cutting here rather than with CSS `overflow: hidden` keeps satori from adding
 * clip paths and masks, which are most of what a PNG render costs.
 */
export function fitWidth(text: string, maxPx: number, fontPx: number, bold = false): string {
  const scale = fontPx * (bold ? 1.08 : 1);
  const parts = graphemes(text);
  const widths = parts.map((g) => emWidth(g) * scale);
  if (widths.reduce((a, b) => a + b, 0) <= maxPx) return text;
  const budget = maxPx - 0.9 * scale;
  let used = 0;
  let n = 0;
  while (n < parts.length && used + (widths[n] ?? 0) <= budget) used += widths[n++] ?? 0;
  return `${parts.slice(0, n).join("").trimEnd()}…`;
}
