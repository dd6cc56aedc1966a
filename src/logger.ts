import pino, { type DestinationStream, type Logger } from "pino";
import type { Env } from "./config/env.js";

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

/** The process logger; Probot derives one child per delivery (keyed by delivery id) from it. */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "LOG_FORMAT">, destination?: DestinationStream): Logger {
  const options = {
    level: env.LOG_LEVEL,
    redact: { paths: REDACT, censor: "[redacted]" },
    ...(env.LOG_FORMAT === "pretty" && !destination ? { transport: { target: "pino-pretty" } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
