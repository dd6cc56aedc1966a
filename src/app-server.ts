import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { readCredentials } from "./config/credentials.js";
import type { Env } from "./config/env.js";
import { saveEnvFile } from "./config/save-env-file.js";
import type { Feature, FeatureContext } from "./feature.js";
import { displayOf } from "./github/feed-rules.js";
import { lazyInstallationClients } from "./github/lazy-octokit.js";
import { RepoSettingsCache } from "./github/repo-settings.js";
import { apiRoutes } from "./http/api-routes.js";
import { healthRoute } from "./http/health.js";
import { homeRoute } from "./http/home-route.js";
import type { HttpHandler } from "./http/respond.js";
import { createHttpServer } from "./http/server.js";
import { setupRoutes } from "./http/setup-routes.js";
import { webhookIntake } from "./http/webhook-intake.js";
import { dashApp } from "./index.js";
import { countDeliveries } from "./metrics/count-deliveries.js";
import { countGitHubCalls } from "./metrics/count-github-calls.js";
import type { SettingsBus } from "./settings-bus.js";
import type { Db } from "./store/db.js";
import { startDeliveryRetention } from "./store/delivery-retention.js";
import { storeOpenError } from "./store/open-failure.js";
import { openStore } from "./store/open-store.js";
import type { SqlStore } from "./store/sql-store.js";
import type { Store } from "./store/store.js";

export const VERSION = "0.1.0";

/**
 * The `app.yml` to register the App from: the operator's own in the working directory, otherwise the
 * one shipped with the App (beside `src/` and `dist/`), so starting from another folder still works.
 */
export function appYmlIn(cwd: string): string {
  const own = resolve(cwd, "app.yml");
  return existsSync(own) ? own : fileURLToPath(new URL("../app.yml", import.meta.url));
}

export interface BuildOptions {
  log: Logger;
  /** The setup link's key while the App has no credentials (tests); random otherwise. */
  setupKey?: string;
  /** Defaults to the store named by DATABASE_URL. */
  store?: SqlStore;
  now?: () => Date;
  /** Feature areas to plug in (cards, comments, voice, metrics). */
  features?: ((ctx: FeatureContext) => Feature | Promise<Feature>)[];
  /** Octokit class for Probot (tests pass one with retries and throttling off). */
  Octokit?: typeof import("probot").ProbotOctokit;
  cwd?: string;
  /** How long a feeding delivery may take to be stored before it fails with 503 (tests shorten it). */
  answerWithinMs?: number;
}

export interface BuiltApp {
  server: Server;
  store: Store;
  probot: Probot | null;
  settings: RepoSettingsCache;
  /** Resolves once the features' work after answering (PR comments, voice) is done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Composes the App from the environment: store, features, Probot (when registered) and the HTTP routes. */
export async function buildApp(env: Env, opts: BuildOptions): Promise<BuiltApp> {
  const cwd = opts.cwd ?? process.cwd();
  const log = opts.log;
  const credentials = readCredentials(env);
  const store =
    opts.store ??
    (await openStore(env.DATABASE_URL, cwd).catch((err: unknown) => {
      throw storeOpenError(env.DATABASE_URL, err);
    }));
  const now = opts.now ?? (() => new Date());
  const bus = await settingsBusFor(env, store.db, log);
  const settings = new RepoSettingsCache({
    ttlMs: env.REPO_CACHE_TTL_SECONDS * 1000,
    bus,
    // The card follows a changed .github/dash.yml at once, not from Dash's next meal on.
    onConfigLoaded: (repoId, config) =>
      void store.setDisplay(repoId, displayOf(config)).catch((err: unknown) => {
        log.warn({ err, repoId }, "could not save the repo's card settings; the next feeding saves them");
      }),
  });
  const ctx: FeatureContext = { env, log, store, db: store.db, settings, now };
  const features: Feature[] = [];
  for (const make of opts.features ?? []) features.push(await make(ctx));

  const routes: HttpHandler[] = [
    healthRoute({ store, configured: credentials !== null, version: VERSION, log }),
    // Before apiRoutes, which answers 404 to every other /api/v1/ path (features add e.g. /api/v1/budget).
    ...features.flatMap((f) => f.routes ?? []),
    apiRoutes({ store, now }),
  ];
  let probot: Probot | null = null;
  if (credentials) {
    probot = new Probot({
      appId: credentials.appId,
      privateKey: credentials.privateKey,
      secret: credentials.webhookSecret,
      // Probot names its own child logger "probot"; naming it here too wrote the key twice per line.
      log,
      ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
      Octokit: lazyInstallationClients(countGitHubCalls(opts.Octokit ?? ProbotOctokit)),
    });
    const core = dashApp({
      store,
      settings,
      now,
      onFed: features.flatMap((f) => f.onFed ?? []),
      ...(opts.answerWithinMs ? { answerWithinMs: opts.answerWithinMs } : {}),
    });
    const middleware = await createNodeMiddleware(
      async (app, options) => {
        await core(app, options);
        for (const f of features) if (f.app) await f.app(app, options);
      },
      { probot, webhooksPath: env.WEBHOOK_PATH },
    );
    routes.push(homeRoute({ version: VERSION }));
    routes.unshift(
      countDeliveries(
        env.WEBHOOK_PATH,
        webhookIntake({
          path: env.WEBHOOK_PATH,
          maxBytes: env.WEBHOOK_MAX_BYTES,
          next: async (req, res) => Boolean(await middleware(req, res, () => undefined)),
        }),
      ),
    );
  } else {
    const setupKey = opts.setupKey ?? randomBytes(18).toString("base64url");
    log.warn(
      `No GitHub App credentials: open ${env.PUBLIC_URL}/?setup=${setupKey} to register the App from app.yml ` +
        "(the key changes at every start; anyone with this link can register an App here)",
    );
    routes.push(
      setupRoutes({
        setupKey,
        appYmlPath: appYmlIn(cwd),
        publicUrl: env.PUBLIC_URL,
        webhookPath: env.WEBHOOK_PATH,
        apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
        saveCredentials: async (values) => saveEnvFile(resolve(cwd, ".env"), values),
        onSaveFailed: (appId, err) =>
          log.error(
            { appId, err },
            "the GitHub App was registered but .env could not be written; its credentials were shown once on the setup page",
          ),
      }),
    );
  }
  const server = createHttpServer(routes, log);
  // Started last, so that nothing above failing leaves its timer behind.
  const retention =
    env.DELIVERY_RETENTION_DAYS > 0
      ? startDeliveryRetention({ db: store.db, days: env.DELIVERY_RETENTION_DAYS, log, now })
      : null;
  return {
    server,
    store,
    probot,
    settings,
    async idle() {
      for (const f of features) await f.idle?.();
    },
    async close() {
      await server.stop();
      await retention?.stop();
      for (const f of features) await f.close?.();
      await bus?.close();
      await store.close();
    },
  };
}

/** Replicas on one PostgreSQL database tell each other when a repo's settings change; one process needs nothing. */
async function settingsBusFor(env: Env, db: Db, log: Logger): Promise<SettingsBus | undefined> {
  if (db.dialect !== "postgres" || !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) return undefined;
  // Loaded only here, as the store loads pg: a SQLite install never does.
  const { PgSettingsBus } = await import("./store/pg-settings-bus.js");
  return new PgSettingsBus(env.DATABASE_URL, db, log).start();
}
