import { cleanText } from "../comments/markdown.js";

/** The longest name Dash answers to (the same limit as `name` in `.github/dash.yml`). */
export const MAX_DASH_NAME = 40;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: "empty" | "too-long" };

// Letters, marks and digits of any script, spaces, and a little punctuation that reads well on a card.
// Everything else (@, #, <, >, [, ], backquotes, links, emoji) is dropped rather than escaped, so the
// stored name is plain on cards, in comments and in the JSON API alike.
const ALLOWED = /[\p{L}\p{M}\p{N} \-_.'!?~♪☆★♡・]/u;

/** Cleans a name given with `/dash name`; refuses one that is empty afterwards or too long. */
export function sanitizeDashName(raw: string): NameCheck {
  const kept = [...cleanText(raw)].filter((c) => ALLOWED.test(c)).join("");
  const name = kept.replace(/\s+/g, " ").trim();
  if (name === "" || !/[\p{L}\p{N}]/u.test(name)) return { ok: false, reason: "empty" };
  if ([...name].length > MAX_DASH_NAME) return { ok: false, reason: "too-long" };
  return { ok: true, name };
}
