import { RetryLaterError } from "../retry-later.js";

/**
 * SQLSTATEs and socket errors that mean "no usable server": connection exceptions (class 08),
 * server shutting down or starting (57P01–57P03), too many connections (53300).
 */
const UNREACHABLE_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);
const UNREACHABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i, /not queryable/i];

/**
 * The database could not be reached (refused, timed out, connection dropped). Webhooks answer 503
 * with this, so GitHub records the failure and the operator can redeliver once the database is back.
 */
export class DatabaseUnreachableError extends RetryLaterError {
  override name = "DatabaseUnreachableError";
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`database unreachable: ${reason}`, options);
  }
}

/** Whether `err` says the server is unreachable rather than that a statement was wrong. */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof DatabaseUnreachableError) return true;
  const code = String((err as { code?: unknown })?.code ?? "");
  if (code.startsWith("08") || UNREACHABLE_CODES.has(code)) return true;
  const message = String((err as { message?: unknown })?.message ?? "");
  return UNREACHABLE_MESSAGES.some((re) => re.test(message));
}
