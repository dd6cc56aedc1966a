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
