/** Half of a UTF-16 surrogate pair, without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.isWellFormed and toWellFormed (ES2024: Node 20 has them, TypeScript's ES2023 lib not). */
interface Es2024String {
  isWellFormed?: () => boolean;
  toWellFormed?: () => string;
}

/**
 * `text` with each half of a surrogate pair that lacks its other half replaced by U+FFFD. JSON can
 * carry such halves; databases store them differently (PostgreSQL as U+FFFD, SQLite as bytes that
 * are not UTF-8) or refuse them (PostgreSQL's JSON parser). Every string of a payload passes here,
 * so the runtime's own check goes first (a regular expression per string showed per delivery).
 */
export function wellFormed(text: string): string {
  const s = text as unknown as Es2024String;
  if (s.isWellFormed && s.toWellFormed) return s.isWellFormed() ? text : s.toWellFormed();
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
