import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import type { SettingsBus, SettingsChange } from "../settings-bus.js";
import type { Sql } from "./db.js";
import { settingsFrom } from "./postgres-db.js";

const CHANNEL_PREFIX = "repositori_settings_";
const MAX_RETRY_MS = 30_000;

/**
 * PostgreSQL's LISTEN/NOTIFY: each replica listens on a connection of its own, and a change is one
 * `pg_notify` through the pool. Notifications sent while a replica's connection is down are lost,
 * so on every reconnection it drops all its cached settings. Channels belong to the whole database,
 * so the channel is named after the schema the App's tables are in: deployments sharing a database
 * in different schemas do not hear each other. (LISTEN needs a session of its own: a pooler in
 * transaction mode between the App and the database does not carry it.)
 */
export class PgSettingsBus implements SettingsBus {
  readonly #from = randomUUID();
  readonly #listeners: ((change: SettingsChange) => void)[] = [];
  readonly #connectionString: string;
  #channel = "";
  #client: pg.Client | null = null;
  #connectedBefore = false;
  #closed = false;
  #retryMs = 500;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    connectionString: string,
    private readonly pool: Sql,
    private readonly log: Logger,
  ) {
    this.#connectionString = settingsFrom(connectionString).connectionString;
  }

  /** The channel, named after the schema (known once started). */
  get channel(): string {
    return this.#channel;
  }

  /** Starts listening; when the database cannot be reached yet, keeps trying in the background. */
  async start(): Promise<this> {
    const [row] = await this.pool.query<{ schema: string }>("SELECT current_schema() AS schema");
    this.#channel = CHANNEL_PREFIX + createHash("sha256").update(String(row?.schema)).digest("hex").slice(0, 16);
    await this.#listen();
    return this;
  }

  async publish(change: SettingsChange): Promise<void> {
    try {
      await this.pool.query("SELECT pg_notify($1, $2)", [
        this.#channel,
        JSON.stringify({ from: this.#from, ...change }),
      ]);
    } catch (err) {
      this.log.warn({ err }, "could not tell the other replicas that a repo's settings changed");
    }
  }

  subscribe(listener: (change: SettingsChange) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #listen(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#connectionString, application_name: "repositori-settings" });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    client.on("notification", (message) => this.#received(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.log.warn({ err, retryInMs: this.#retryMs }, "cannot listen for settings changes yet");
      this.#scheduleRetry();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = 500;
    if (this.#connectedBefore) this.#emit({ all: true, missed: true });
    this.#connectedBefore = true;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    if (this.#closed) return;
    this.log.warn("lost the connection that listens for settings changes; reconnecting");
    this.#connectedBefore = true;
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#listen(), this.#retryMs);
    // Waiting to reconnect must not keep the process alive by itself.
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  #received(payload: string | undefined): void {
    let message: { from?: unknown; repoId?: unknown; all?: unknown; access?: unknown };
    try {
      message = JSON.parse(payload ?? "");
    } catch {
      return;
    }
    if (message.from === this.#from) return;
    if (message.all === true) this.#emit({ all: true });
    else if (typeof message.repoId === "number") {
      this.#emit(message.access === true ? { repoId: message.repoId, access: true } : { repoId: message.repoId });
    }
  }

  #emit(change: SettingsChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
