/** The longest line Dash says in a comment (and speaks). */
export const MAX_LINE_CHARS = 140;

/** Model output beyond this is never looked at: a 10 KB answer costs no more to clean than a short one. */
const MAX_INPUT_CHARS = 4000;

// Controls and invisible format characters that can hide or reorder text (zero-width, bidi overrides, BOM).
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;
const HTML_TAG = /<\/?[a-z!?][^>]*>?/gi;
const HTML_ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/gi;
const MD_IMAGE_OR_LINK = /!?\[([^\]]*)\]\([^)]*\)/g;
const URL_WITH_SCHEME = /\b[a-z][a-z0-9+.-]{1,15}:\/\/\S*/gi;
const SCHEME_ONLY = /\b(?:javascript|data|mailto|vbscript|file|tel):\S*/gi;
const WWW = /\bwww\.\S*/gi;
const DOMAIN = /\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/\S*)?/gi;
const MARKDOWN_CHARS = /[*_~`#|>[\]\\<{}]/g;
const LIST_MARKER = /^\s*(?:[-+*•]|\d{1,3}[.)])\s+/;
const WRAPPING_QUOTES: [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ["“", "”"],
  ["「", "」"],
  ["『", "』"],
];

/** Answers that are refusals, or that echo instructions or the data instead of reacting to it. */
const REJECT = [
  /ignore (?:all |any |the )*(?:previous|prior|above|earlier|preceding) (?:instructions?|prompts?|messages?|rules)/i,
  /\bsystem (?:prompt|instructions?|message)\b/i,
  /\bdeveloper (?:mode|message|instructions?)\b/i,
  /\bas an ai\b/i,
  /\b(?:large )?language model\b/i,
  /\bi(?:'m| am)? (?:cannot|can't|can not|unable to|won't|will not) (?:help|comply|assist|do that|provide|fulfil|fulfill|answer)/i,
  /\bi'm sorry,? but\b/i,
  /\byou are dash\b/i,
  /"(?:event|contributorLogin|foodsEaten|xpGained|levelBefore|levelAfter|leveledUp|xpToNextLevel|newOutfitUnlocked|moodBeforeThisMeal|firstMealEver)"\s*:/i,
  /申し訳(?:ありません|ございません)/,
  /(?:お答え|回答|対応|お手伝い)(?:でき(?:ません|かねます)|いたしかねます)/,
  /指示を無視/,
  /システム(?:プロンプト|指示)/,
];

function cleanOnce(input: string): string {
  const line = input
    .replace(HTML_TAG, " ")
    .replace(HTML_ENTITY, " ")
    .replace(MD_IMAGE_OR_LINK, "$1")
    .replace(URL_WITH_SCHEME, " ")
    .replace(SCHEME_ONLY, " ")
    .replace(WWW, " ")
    .replace(DOMAIN, " ")
    .replace(LIST_MARKER, "")
    .replace(MARKDOWN_CHARS, " ")
    .replace(/@/g, "")
    .replace(/:\/\//g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return unwrapQuotes(line)
    .replace(/\s+([,.:;!?、。！？])/g, "$1")
    .trim();
}

function unwrapQuotes(line: string): string {
  for (const [open, close] of WRAPPING_QUOTES) {
    if (line.length >= 2 && line.startsWith(open) && line.endsWith(close)) return line.slice(1, -1).trim();
  }
  return line;
}

/** Cuts to `max` characters (code points, never half a surrogate pair), ending with "…" when cut. */
export function truncate(text: string, max = MAX_LINE_CHARS): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars
    .slice(0, max - 1)
    .join("")
    .trimEnd()}…`;
}

/**
 * Turns whatever a model answered into one safe line for a PR comment, or null when nothing usable is
 * left (empty, a refusal, an echo of instructions or data). Safe means: one line, at most 140
 * characters, no `@` (no mentions), no URLs or domains, no Markdown or HTML, no invisible characters.
 */
export function sanitiseLine(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  // NFKC folds look-alikes (full-width ＠, ｈｔｔｐ, ［］) into the ASCII the filters below look for.
  const lines = raw
    .slice(0, MAX_INPUT_CHARS)
    .normalize("NFKC")
    .split(LINE_BREAK)
    .map((l) => l.replace(/\t/g, " ").replace(INVISIBLE, "").trim());
  if (REJECT.some((re) => re.test(lines.join("\n")))) return null;
  const kept = lines.filter((l) => l !== "" && !l.startsWith("```"));
  // Removing one thing can join its neighbours into another (`http:<b>//`), so clean until nothing changes.
  let line = kept[0] ?? "";
  for (let pass = 0; pass < 8; pass++) {
    const next = cleanOnce(line);
    if (next === line) break;
    line = next;
  }
  // Still changing after that many passes: crafted input; refuse rather than publish something half-clean.
  if (cleanOnce(line) !== line) return null;
  // A line of punctuation alone (or nothing) is not a reaction.
  if (!/[\p{L}\p{N}]/u.test(line)) return null;
  return truncate(line);
}
