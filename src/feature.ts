import type { Logger } from "pino";
import type { ApplicationFunction } from "probot";
import type { Env } from "./config/env.js";
import type { FedListener } from "./github/feed-event.js";
import type { RepoSettingsCache } from "./github/repo-settings.js";
import type { HttpHandler } from "./http/respond.js";
import type { Db } from "./store/db.js";
import type { Store } from "./store/store.js";

/** What every feature area is built from: the environment read once, and the shared collaborators. */
export interface FeatureContext {
  env: Env;
  log: Logger;
  store: Store;
  /** The raw database under `store`, for feature areas that keep tables of their own (see store/db.ts). */
  db: Db;
  settings: RepoSettingsCache;
  now: () => Date;
}

/**
 * A feature area (cards, PR comments, voice, metrics) plugs into the App through these hooks only, so
 * `app-server.ts` stays a list of features and no feature imports another's internals.
 */
export interface Feature {
  name: string;
  /** Extra HTTP routes, tried after the webhook endpoint and health. */
  routes?: HttpHandler[];
  /** Called after each feeding (see feed-event.ts). */
  onFed?: FedListener[];
  /** Extra webhook handlers (e.g. `issue_comment` commands). */
  app?: ApplicationFunction;
  /** Resolves once the work the feature does after answering (e.g. PR comments) is done. */
  idle?: () => Promise<void>;
  close?: () => Promise<void>;
}
