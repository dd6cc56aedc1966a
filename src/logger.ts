import pino, { type Logger } from "pino";
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
];

/** The process logger; Probot derives one child per delivery (keyed by delivery id) from it. */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "LOG_FORMAT">): Logger {
  return pino({
    level: env.LOG_LEVEL,
    redact: { paths: REDACT, censor: "[redacted]" },
    ...(env.LOG_FORMAT === "pretty" ? { transport: { target: "pino-pretty" } } : {}),
  });
}
