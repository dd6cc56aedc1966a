/** Half of a UTF-16 surrogate pair, without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with each half of a surrogate pair that lacks its other half replaced by U+FFFD. JSON can
 * carry such halves; databases store them differently (PostgreSQL as U+FFFD, SQLite as bytes that
 * are not UTF-8) or refuse them (PostgreSQL's JSON parser).
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
