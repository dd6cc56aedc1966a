import pino, { type DestinationStream, type Logger } from "pino";
import type { Env } from "./config/env.js";
import { RetryLaterError } from "./retry-later.js";

/** Fields that may carry secrets; pino replaces them before anything is written. */
const REDACT = [
  "privateKey",
  "*.privateKey",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "headers.authorization",
  "*.headers.authorization",
  "request.headers.authorization",
  'headers["x-hub-signature-256"]',
  "*.apiKey",
  "apiKey",
  // A delivery's payload, which Probot and @octokit/webhooks attach to every error they log (a failed
  // handler, a bad signature): commit messages and authors' emails of private repos, or up to the
  // size limit of a stranger's text, logged twice. The delivery id and event name stay, and GitHub
  // keeps the payload under the App's Recent Deliveries.
  "err.event.payload",
  "err.event.event.payload",
  "err.aggregateErrors[*].event.payload",
];

const SIGNATURE_MISMATCH = "signature does not match event payload and secret";

export const SIGNATURE_HINT =
  "webhook rejected (400): its signature does not match WEBHOOK_SECRET. If GitHub sent it, give the " +
  "App's webhook secret on GitHub (Settings → Developer settings → GitHub Apps → the App) and " +
  "WEBHOOK_SECRET the same value; otherwise someone else is posting to the webhook URL";

/** The delivery an error was raised for, as @octokit/webhooks attaches it. */
const eventOf = (err: unknown) => (err as { event?: { id?: unknown; name?: unknown } }).event;

/**
 * Probot logs a failed delivery twice at error level, each time with a stack trace: the handler's
 * error, then the middleware's AggregateError around it. For two kinds that is a screenful per
 * delivery and nothing an operator must fix in the App: a bad signature (Probot's hint for it is
 * missing too: its check looks for an older message) and a RetryLaterError (the database or GitHub
 * was unreachable or slow; the answer is 503 and GitHub can redeliver). Each becomes one warning
 * with the delivery id and what it means. Every other log call passes through untouched.
 */
function quieterWebhookFailures(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const [first] = args;
  const only = (test: (e: unknown) => boolean) =>
    first instanceof AggregateError ? first.errors.length > 0 && first.errors.every(test) : test(first);
  const badSignature = (e: unknown) => e instanceof Error && e.message.includes(SIGNATURE_MISMATCH);
  const retryLater = (e: unknown) => e instanceof RetryLaterError;
  if (only(badSignature) || only(retryLater)) {
    // The middleware's copy, wrapping the error the event handler has logged already.
    if (first instanceof AggregateError) return;
    const event = eventOf(first);
    const message = badSignature(first)
      ? SIGNATURE_HINT
      : `webhook answered 503, GitHub can redeliver it: ${(first as Error).message}`;
    this.warn({ delivery: event?.id, event: event?.name }, message);
    return;
  }
  method.apply(this, args);
}

/** The process logger; Probot derives one child per delivery (keyed by delivery id) from it. */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "LOG_FORMAT">, destination?: DestinationStream): Logger {
  const options = {
    level: env.LOG_LEVEL,
    redact: { paths: REDACT, censor: "[redacted]" },
    hooks: { logMethod: quieterWebhookFailures },
    ...(env.LOG_FORMAT === "pretty" && !destination ? { transport: { target: "pino-pretty" } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
