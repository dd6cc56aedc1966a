import { wellFormed } from "../domain/well-formed.js";

/** Loose readers for webhook payloads: a missing or mistyped field reads as undefined instead of throwing. */
export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * A non-empty string, well formed (see wellFormed): both stores then keep what the payload said
 * alike.
 */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? wellFormed(value) : undefined;
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
