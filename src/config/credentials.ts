import { readFileSync } from "node:fs";
import type { Env } from "./env.js";
import { EnvError } from "./env.js";

export interface AppCredentials {
  appId: string;
  privateKey: string;
  webhookSecret: string;
}

/**
 * The App's credentials, or null when none are set (the server then offers registration). A half-set
 * configuration is an error that says what is missing, rather than a server that silently ignores webhooks.
 */
export function readCredentials(
  env: Env,
  readFile: (p: string) => string = (p) => readFileSync(p, "utf8"),
): AppCredentials | null {
  const rawKey = env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? readFile(env.PRIVATE_KEY_PATH) : undefined);
  if (!env.APP_ID && !rawKey) return null;
  const missing = [
    !env.APP_ID && "APP_ID",
    !rawKey && "PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    !env.WEBHOOK_SECRET && "WEBHOOK_SECRET",
  ].filter(Boolean);
  if (missing.length > 0 || !env.APP_ID || !rawKey || !env.WEBHOOK_SECRET) {
    throw new EnvError(`GitHub App credentials are incomplete: set ${missing.join(", ")} (see .env.example).`);
  }
  // Keys pasted into one-line env files carry literal "\n"; PEM needs real newlines.
  const privateKey = rawKey.includes("\\n") ? rawKey.replace(/\\n/g, "\n") : rawKey;
  return { appId: env.APP_ID, privateKey, webhookSecret: env.WEBHOOK_SECRET };
}
