import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { type BuildOptions, type BuiltApp, buildApp } from "../../src/app-server.js";
import { type Env, loadEnv } from "../../src/config/env.js";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/store/open-store.js";
import { type HttpResponse, http } from "./http.js";

export const WEBHOOK_SECRET = "test-webhook-secret";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const PRIVATE_KEY = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

/**
 * Octokit for tests: no retries and no throttling, so a failing mock fails at once. A function (not an
 * object) is needed: Probot builds installation clients with its own throttle options, which a plain
 * object default would not override.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    APP_ID: "1",
    PRIVATE_KEY,
    WEBHOOK_SECRET,
    DATABASE_URL: "sqlite::memory:",
    LOG_LEVEL: "silent",
    PUBLIC_URL: "http://dash.test",
    ...overrides,
  });
}

/** One line the App logged at error level or above, as pino wrote it. */
export interface LoggedError {
  level: number;
  msg: string;
  err?: { message?: string; type?: string; status?: number };
  [key: string]: unknown;
}

export interface Harness extends BuiltApp {
  url: string;
  /**
   * The lines logged at error level or above so far, e.g. a feeding listener's failure (which the
   * webhook pipeline logs and swallows). Only recorded with the harness's own logger (no `log` given).
   */
  errorLogs: LoggedError[];
  /** Returns the error lines logged so far and forgets them, for tests that expect one. */
  takeErrorLogs(): LoggedError[];
  /** Posts a signed webhook delivery to the running server. */
  deliver(event: string, payload: unknown, opts?: { id?: string; secret?: string }): Promise<HttpResponse>;
  get(path: string, headers?: Record<string, string>): Promise<HttpResponse>;
}

export interface StartOptions extends Partial<BuildOptions> {
  env?: Record<string, string>;
  now?: () => Date;
  /**
   * `close()` throws when an error was logged and not taken with `takeErrorLogs()` (the default
   * unless the test passes its own `log`). Errors some code logs and swallows (a feeding's
   * follow-ups, e.g. the PR comment) otherwise never fail a test.
   */
  failOnErrorLog?: boolean;
}

/** The whole App on an ephemeral port, with an in-memory SQLite store unless `store` is given. */
export async function startApp(opts: StartOptions = {}): Promise<Harness> {
  const { failOnErrorLog = opts.log === undefined, ...build } = opts;
  if (failOnErrorLog && opts.log) throw new Error("failOnErrorLog watches the harness's own logger: pass no `log`");
  const env = testEnv(opts.env);
  const store = opts.store ?? (await openStore(env.DATABASE_URL));
  const errorLogs: LoggedError[] = [];
  // A synchronous destination: each line is recorded before the logging call returns.
  const errorSink = { write: (line: string) => void errorLogs.push(JSON.parse(line) as LoggedError) };
  const app = await buildApp(env, {
    // The App's own logger (its hooks and redaction), keeping what is logged at error level.
    log: createLogger({ LOG_LEVEL: "error", LOG_FORMAT: "json" }, errorSink),
    Octokit: TestOctokit,
    ...build,
    store,
  });
  await new Promise<void>((done) => app.server.listen(0, "127.0.0.1", () => done()));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    ...app,
    url,
    errorLogs,
    takeErrorLogs: () => errorLogs.splice(0),
    async close() {
      await app.close();
      if (failOnErrorLog && errorLogs.length > 0) {
        const seen = errorLogs.splice(0).map((l) => (l.err?.message ? `${l.msg}: ${l.err.message}` : l.msg));
        throw new Error(`The App logged ${seen.length} unexpected error(s):\n- ${seen.join("\n- ")}`);
      }
    },
    deliver: (event, payload, o = {}) => {
      const body = JSON.stringify(payload);
      return http(`${url}/api/github/webhooks`, { method: "POST", headers: deliveryHeaders(event, body, o), body });
    },
    get: (path, headers) => http(`${url}${path}`, { headers }),
  };
}

/** The headers GitHub sends with a delivery of `body`: event, a new delivery id, JSON, the signature. */
export function deliveryHeaders(
  event: string,
  body: string,
  o: { id?: string; secret?: string } = {},
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": o.id ?? randomUUID(),
    "x-hub-signature-256": sign(body, o.secret ?? WEBHOOK_SECRET),
  };
}

export function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** GitHub answers for one installation token (Probot caches it per installation). */
export function mockInstallationToken(installationId = 1): nock.Scope {
  return nock("https://api.github.com")
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
}

/** No `.github/dash.yml` in the repo nor in the owner's `.github` repository (the first answer `delayMs` late). */
export function mockNoConfig(owner: string, repo: string, opts: { delayMs?: number } = {}): nock.Scope {
  return nock("https://api.github.com")
    .get(`/repos/${owner}/${repo}/contents/${encodeURIComponent(".github/dash.yml")}`)
    .delay(opts.delayMs ?? 0)
    .reply(404, { message: "Not Found" })
    .get(`/repos/${owner}/.github/contents/${encodeURIComponent(".github/dash.yml")}`)
    .reply(404, { message: "Not Found" });
}

/** A `.github/dash.yml` in the repo with this YAML text (served raw, as the config plugin asks for it). */
export function mockConfig(owner: string, repo: string, yamlText: string): nock.Scope {
  return nock("https://api.github.com")
    .get(`/repos/${owner}/${repo}/contents/${encodeURIComponent(".github/dash.yml")}`)
    .reply(200, yamlText, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
}
