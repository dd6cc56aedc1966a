import { createPrivateKey } from "node:crypto";
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
  const rawKey = env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? readKeyFile(env.PRIVATE_KEY_PATH, readFile) : undefined);
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
  checkPrivateKey(privateKey, env.PRIVATE_KEY !== undefined ? "PRIVATE_KEY" : `the file PRIVATE_KEY_PATH names`);
  return { appId: env.APP_ID, privateKey, webhookSecret: env.WEBHOOK_SECRET };
}

function readKeyFile(path: string, readFile: (p: string) => string): string {
  try {
    return readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new EnvError(`PRIVATE_KEY_PATH: cannot read ${path} (${reason}).`);
  }
}

/**
 * A key that is not one would otherwise surface only at the first delivery that calls GitHub, as a
 * failed token request; checked at start, it stops the server with what to do. The message never
 * quotes the key.
 */
function checkPrivateKey(pem: string, source: string): void {
  try {
    createPrivateKey(pem);
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0] ?? "";
    throw new EnvError(
      `${source} is not a private key in PEM format (${reason}). Generate one on the GitHub App's settings page ` +
        "(Private keys → Generate a private key) and give the downloaded .pem file's contents, or its path as PRIVATE_KEY_PATH.",
    );
  }
}
