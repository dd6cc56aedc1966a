/** Loose readers for webhook payloads: a missing or mistyped field reads as undefined instead of throwing. */
export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Half of a UTF-16 surrogate pair, without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A non-empty string, with any half of a surrogate pair (which JSON can carry) replaced by U+FFFD:
 * the databases would store it differently (PostgreSQL as U+FFFD, SQLite as bytes that are not UTF-8).
 */
export function str(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return undefined;
  return value.replace(LONE_SURROGATE, "\uFFFD");
}

export function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}

/** A GitHub account as the rules need it. */
export interface Actor {
  login: string;
  isBot: boolean;
}

/** Reads `{ login, type }` (users, senders) into an Actor. */
export function actorOf(value: unknown): Actor | undefined {
  const o = obj(value);
  const login = str(o?.login);
  if (!login) return undefined;
  return { login, isBot: o?.type === "Bot" || isBotLogin(login) };
}

export function isBotLogin(login: string): boolean {
  return /\[bot\]$/i.test(login);
}
