import type { Writable } from "node:stream";
import pg from "pg";
import type { Db, GroupOptions, Sql, Statement } from "./db.js";
import { withParts } from "./sql-rows.js";
import { DatabaseUnreachableError, isUnreachable } from "./unreachable.js";

export { DatabaseUnreachableError, isUnreachable };

// BIGINT columns (xp, times) come back as JavaScript numbers; values stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** Errors worth retrying the whole transaction for: serialisation failure and deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_TX_ATTEMPTS = 6;
/**
 * A unique violation (23505) gets a couple of retries too. Two transactions inserting the same new row
 * at the same instant can both miss each other in the `ON CONFLICT (id)` pre-check; the loser then
 * trips over another unique index (e.g. `repos.full_name_key`) instead of taking the DO UPDATE path.
 * Run again, it sees the winner's committed row and takes that path. A genuine duplicate fails again.
 */
const UNIQUE_VIOLATION = "23505";
const MAX_UNIQUE_ATTEMPTS = 3;

/**
 * A statement this connection prepared before a migration changed the columns it returns (another
 * replica upgraded the schema, e.g. a key column's collation): PostgreSQL refuses to run the cached
 * plan again, on this connection, for good. The connection is dropped and the work retried at once
 * on another (each of the pool's connections fails this way at most once), which prepares the
 * statement anew: replicas of the old version keep working through a rolling upgrade.
 */
function isStalePlan(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === "0A000" && /cached plan must not change result type/i.test(String(e.message ?? ""));
}

function retryable(err: unknown, attempt: number): boolean {
  const code = (err as { code?: string }).code ?? "";
  if (code === UNIQUE_VIOLATION) return attempt < MAX_UNIQUE_ATTEMPTS;
  return attempt < MAX_TX_ATTEMPTS && RETRYABLE.has(code);
}

/** Connection errors become DatabaseUnreachableError (its message never holds the URL or password). */
function surface(err: unknown): unknown {
  if (err instanceof DatabaseUnreachableError || !isUnreachable(err)) return err;
  const e = err as { code?: string; message?: string };
  return new DatabaseUnreachableError(
    e.code && !e.message?.includes(e.code) ? `${e.code} ${e.message}` : String(e.message),
    {
      cause: err,
    },
  );
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Statement names by SQL text. A named query is parsed and planned once per connection and reused,
 * which saves the server most of the work of the store's short, repeated statements. Capped so that
 * SQL built with varying text cannot grow every connection's statement cache without bound.
 */
const MAX_NAMED = 1000;
const statementNames = new Map<string, string>();
function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED) {
    name = `r${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name ? { name, text, values } : { text, values };
}

/**
 * Composed statements (see composeStatements) are prepared too, but sparingly. The store's feeding
 * batches send each statement's rows as one JSON parameter (see insertRows), so their groups keep
 * their text whatever the number of deliveries and contributors: a shape per number of repos in a
 * batch (and of daily caps), usually one, each prepared once per connection (about 50 KiB of
 * PostgreSQL memory). A group whose text grows with its rows (a VALUES list) is a new shape for every
 * row count, and prepared costs about 0.4 KiB of server memory per parameter more (measured with
 * pg_backend_memory_contexts: 384 KiB for 900 parameters). So a text is prepared on its second
 * sighting (a one-off shape takes no slot), only under a parameter count, and only while the
 * prepared ones stay within a budget, by default 13 MiB per connection (URL `prepare_budget_mib`,
 * counting 128 parameters for each statement's own cost). Preparing saves the server parsing and
 * planning a group for every batch.
 */
const MAX_COMPOSED_PARAMS_NAMED = 1024;
/** Parameters per MiB of server memory, at about 0.4 KiB each (see above). */
const PARAMS_PER_MIB = 2560;
const DEFAULT_PREPARE_BUDGET_MIB = 13;

/**
 * Names for one pool's composed statements, within its budget (see above). A pool's names need only
 * differ from each other and from `named`'s, since pools share no connection.
 */
class ComposedNames {
  readonly #names = new Map<string, string>();
  readonly #sightings = new Set<string>();
  /** What is left of the budget, in parameters. */
  #left: number;

  constructor(budgetMib: number) {
    this.#left = Math.max(0, budgetMib) * PARAMS_PER_MIB;
  }

  config(text: string, values: unknown[]): pg.QueryConfig {
    const name = this.#names.get(text);
    if (name) return { name, text, values };
    const cost = values.length + 128;
    if (values.length > MAX_COMPOSED_PARAMS_NAMED || cost > this.#left) return { text, values };
    if (!this.#sightings.has(text)) {
      // Bounded like the names: a flood of distinct shapes only forgets the sightings so far.
      if (this.#sightings.size >= MAX_NAMED) this.#sightings.clear();
      this.#sightings.add(text);
      return { text, values };
    }
    this.#sightings.delete(text);
    this.#left -= cost;
    const fresh = `c${this.#names.size}`;
    this.#names.set(text, fresh);
    return { name: fresh, text, values };
  }
}

/**
 * Returns a function that holds back `client`'s writes until the current turn of the event loop ends,
 * so that the statements a transaction sends in one turn leave in one write: BEGIN with its first
 * statements, a phase's groups with their COMMIT. pg writes each statement by itself: a feeding
 * batch was seven system calls, and on loopback each one also runs the receiving side's network
 * stack. In two, the App's main thread spent about a tenth less CPU per delivery at full speed, and
 * PostgreSQL less too. Reaches into pg's connection (there is no public handle); without a corkable
 * socket, writes go out as before.
 */
export function writesPerTurn(client: pg.PoolClient): () => void {
  const socket = (client as unknown as { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  let held = false;
  return () => {
    if (held || typeof socket?.cork !== "function" || typeof socket.uncork !== "function") return;
    held = true;
    socket.cork();
    process.nextTick(() => {
      held = false;
      socket.uncork?.();
    });
  };
}

/** Sends one statement on a transaction's connection (see PostgresDb.transaction). */
type Send = (config: pg.QueryConfig | string) => Promise<pg.QueryResult>;

/** Above this many parameters, independent statements are sent one by one (the protocol allows 65,535). */
const MAX_COMPOSED_PARAMS = 30_000;

/**
 * Independent statements as one: each becomes a data-modifying WITH query (its `$n` renumbered), and
 * the RETURNING rows of all of them come back as (statement index, row as JSON). PostgreSQL runs every
 * part even when nothing selects from it; the parts see one snapshot, which is why they must not
 * touch each other's rows.
 */
export function composeStatements(statements: readonly Statement[]): Statement {
  const { withs, params } = withParts(statements.map((s, i) => [`q${i}`, s]));
  const selects = statements.flatMap((s, i) =>
    /\bRETURNING\b/i.test(s.text) ? [`SELECT ${i} AS q, row_to_json(q${i})::text AS r FROM q${i}`] : [],
  );
  const select =
    selects.length > 0 ? selects.join(" UNION ALL ") : "SELECT NULL::int AS q, NULL::text AS r WHERE false";
  return { text: `WITH ${withs.join(", ")} ${select}`, params };
}

export interface PostgresOptions {
  /** Connections per process (URL `pool_max`); replicas × this must stay under the server's max_connections. */
  max?: number;
  /** Per statement, in ms (URL `statement_timeout`): a stuck query fails well before GitHub's 10 s deadline. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, in ms (URL `connect_timeout`, in seconds, as libpq spells it). */
  connectTimeoutMs?: number;
  /** Extra attempts to get a connection before reporting the database unreachable. */
  connectRetries?: number;
  /**
   * Named (prepared) statements, on by default (URL `prepare=false` turns them off, e.g. behind a
   * connection pooler in transaction mode that cannot keep prepared statements).
   */
  prepare?: boolean;
  /** Server memory per connection for prepared feeding batches, in MiB (URL `prepare_budget_mib`). */
  prepareBudgetMib?: number;
}

/** Splits our own pool settings off the URL; the rest (host, database, options, ssl …) goes to pg. */
export function settingsFrom(connectionString: string, opts: PostgresOptions = {}) {
  const url = new URL(connectionString);
  const take = (key: string) => {
    const value = url.searchParams.get(key);
    url.searchParams.delete(key);
    return value === null || value.trim() === "" || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  const max = take("pool_max") ?? opts.max ?? 10;
  const statementTimeoutMs = take("statement_timeout") ?? opts.statementTimeoutMs ?? 8000;
  const connectTimeoutSeconds = take("connect_timeout");
  const connectTimeoutMs =
    connectTimeoutSeconds !== undefined ? connectTimeoutSeconds * 1000 : (opts.connectTimeoutMs ?? 3000);
  const prepareText = url.searchParams.get("prepare");
  url.searchParams.delete("prepare");
  const prepare = prepareText === null ? (opts.prepare ?? true) : !["false", "0", "off", "no"].includes(prepareText);
  const prepareBudgetMib = take("prepare_budget_mib") ?? opts.prepareBudgetMib ?? DEFAULT_PREPARE_BUDGET_MIB;
  return { connectionString: url.toString(), max, statementTimeoutMs, connectTimeoutMs, prepare, prepareBudgetMib };
}

/**
 * PostgreSQL behind the same Db surface as SQLite (`$1` placeholders are native here): a pool of
 * connections, transactions retried on serialisation failures and deadlocks, a statement timeout,
 * and "database unreachable" errors that say so.
 */
export class PostgresDb implements Db {
  readonly dialect = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #connectRetries: number;
  readonly #maxConnections: number;
  readonly #statement: (text: string, values: unknown[]) => pg.QueryConfig;
  readonly #composed: (text: string, values: unknown[]) => pg.QueryConfig;

  constructor(connectionString: string, opts: PostgresOptions = {}) {
    const s = settingsFrom(connectionString, opts);
    this.#connectRetries = opts.connectRetries ?? 2;
    this.#maxConnections = s.max;
    const plain = (text: string, values: unknown[]) => ({ text, values });
    this.#statement = s.prepare ? named : plain;
    const composed = new ComposedNames(s.prepareBudgetMib);
    this.#composed = s.prepare ? (text, values) => composed.config(text, values) : plain;
    this.#pool = new pg.Pool({
      connectionString: s.connectionString,
      max: s.max,
      connectionTimeoutMillis: s.connectTimeoutMs,
      statement_timeout: s.statementTimeoutMs,
      // A transaction left open by a crashed request must not hold row locks for long.
      idle_in_transaction_session_timeout: 30_000,
      application_name: "repositori",
      idleTimeoutMillis: 10_000,
      // Statements are sent without waiting for the one before to finish (see transaction).
      pipeline: true,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on("error", () => undefined);
  }

  /** A pooled client; a few quick retries ride out a restart or a failover before giving up. */
  async #connect(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await this.#pool.connect();
        // A checked-out client has no listener of its own: without one, a dropped connection between
        // two statements would be an unhandled 'error' event and take the whole process down.
        client.on("error", ignore);
        return client;
      } catch (err) {
        if (attempt < this.#connectRetries && isUnreachable(err)) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw surface(err);
      }
    }
  }

  #release(client: pg.PoolClient, err?: unknown): void {
    client.removeListener("error", ignore);
    // A client whose connection broke, or holds a stale prepared plan, is destroyed rather than
    // handed to the next caller.
    client.release(err !== undefined && (isUnreachable(err) || isStalePlan(err)) ? (err as Error) : undefined);
  }

  async query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    for (let stale = 0; ; ) {
      const client = await this.#connect();
      try {
        const result = await client.query(this.#statement(text, params as unknown[]));
        this.#release(client);
        return result.rows as T[];
      } catch (err) {
        this.#release(client, err);
        if (isStalePlan(err) && stale++ < this.#maxConnections) continue;
        throw surface(err);
      }
    }
  }

  async exec(script: string): Promise<void> {
    // A script holds several statements: only the simple protocol (no name, no parameters) takes those.
    const client = await this.#connect();
    try {
      await client.query(script);
      this.#release(client);
    } catch (err) {
      this.#release(client, err);
      throw surface(err);
    }
  }

  /**
   * Pipelined (the pool's connections run in pg's pipeline mode): BEGIN goes out with the body's first
   * statement, COMMIT with its last group when the body marks it (GroupOptions.last), and groups the
   * body sends without waiting (runPhases) share a round trip too: a feeding batch takes two round
   * trips instead of six. Each statement still has its own Sync: after an error PostgreSQL refuses
   * the rest of the transaction, and a COMMIT behind a failed statement rolls back.
   */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1, stale = 0; ; attempt++) {
      const client = await this.#connect();
      const holdWrites = writesPerTurn(client);
      const query = (config: pg.QueryConfig | string) => {
        holdWrites();
        return client.query(config);
      };
      let failure: unknown;
      // BEGIN until the first statement has been sent behind it; the COMMIT sent with the body's last
      // group, if it marked one.
      const pending: { begin: Promise<unknown> | null; commit: Promise<pg.QueryResult> | null } = {
        begin: query("BEGIN"),
        commit: null,
      };
      pending.begin?.catch(ignore);
      // The first statement's result counts only once BEGIN has succeeded too.
      const afterBegin = async <R>(sent: Promise<R>): Promise<R> => {
        const begin = pending.begin;
        if (!begin) return sent;
        pending.begin = null;
        await Promise.all([begin, sent]);
        return sent;
      };
      const send: Send = (config) => afterBegin(query(config));
      const run = (text: string, params: readonly unknown[]) => send(this.#statement(text, params as unknown[]));
      try {
        const tx: Sql = {
          dialect: "postgres",
          query: async <R>(text: string, params: readonly unknown[] = []) => (await run(text, params)).rows as R[],
          exec: async (script: string) => {
            await send(script);
          },
          pipelined: true,
          // A group goes out as one composed statement (or statement by statement when too large), at
          // once: the caller may send the next group before this one answers.
          all: async (statements: readonly Statement[], opts: GroupOptions = {}) => {
            const count = statements.reduce((n, s) => n + s.params.length, 0);
            const sent =
              statements.length <= 1 || count > MAX_COMPOSED_PARAMS
                ? Promise.all(statements.map(async (s) => (await run(s.text, s.params)).rows))
                : this.#sendComposed(statements, send);
            if (opts.last) pending.commit = query("COMMIT");
            const [out] = await Promise.all([sent, pending.commit]);
            return out;
          },
        };
        const result = await fn(tx);
        // A body that sent nothing: BEGIN must still have succeeded.
        if (pending.begin) await pending.begin;
        const done = await (pending.commit ?? query("COMMIT"));
        // A COMMIT in a transaction that had failed answers ROLLBACK rather than an error.
        if (done.command !== "COMMIT") throw new Error(`the transaction was rolled back (${done.command})`);
        return result;
      } catch (err) {
        failure = err;
        // Committed with the last group: the body failed afterwards, and running it again would store twice.
        const committed = await pending.commit?.then(
          (r) => r.command === "COMMIT",
          () => false,
        );
        if (committed) throw surface(err);
        await client.query("ROLLBACK").catch(() => undefined);
        if (isStalePlan(err) && stale++ < this.#maxConnections) {
          attempt--; // not an attempt that failed: this connection could not run it at all
          continue;
        }
        if (retryable(err, attempt)) {
          // Jittered back-off so the transactions that collided do not collide again in lock-step.
          await sleep(Math.random() * 10 * 2 ** attempt);
          continue;
        }
        throw surface(err);
      } finally {
        this.#release(client, failure);
      }
    }
  }

  /** `statements` as one (see composeStatements), sent now; each one's RETURNING rows. */
  async #sendComposed(statements: readonly Statement[], send: Send): Promise<Record<string, unknown>[][]> {
    const composed = composeStatements(statements);
    const { rows } = await send(this.#composed(composed.text, composed.params as unknown[]));
    const out: Record<string, unknown>[][] = statements.map(() => []);
    for (const row of rows as { q: number; r: string }[]) {
      out[row.q]?.push(JSON.parse(row.r) as Record<string, unknown>);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

function ignore(): void {}
