import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Db, Sql } from "./db.js";
import { retryWhileBusy } from "./sqlite-busy.js";
import { Checkpointer, type CheckpointerOptions } from "./sqlite-checkpointer.js";

function normalise(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}

interface Job {
  /** A transaction body (run inside BEGIN … COMMIT) or a single statement / script (run as is). */
  tx: boolean;
  run: (sql: Sql) => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Prepared statements kept per connection. Multi-row statements differ in text by their row count, so
 * the cache is bounded; the least recently prepared statement is dropped first.
 */
const MAX_STATEMENTS = 2000;

/** Most transactions committed together (bounds the latency one commit adds to the first of them). */
const MAX_GROUP = 64;

/**
 * better-sqlite3 is synchronous and one connection holds one transaction, so every statement and
 * transaction goes through one FIFO queue: an async transaction body never interleaves with another
 * caller's statements. BEGIN IMMEDIATE takes the write lock at the start, which also serialises
 * other processes on the same file (they wait up to `busy_timeout`).
 *
 * Group commit: committing is most of a small transaction's cost (the WAL write), so transactions
 * that are waiting in the queue together are run one after another inside one BEGIN … COMMIT, each in
 * its own SAVEPOINT. A body that fails is rolled back to its savepoint alone; the others are only told
 * they succeeded once the shared COMMIT has, so "resolved" still means "stored".
 */
export class SqliteDb implements Db {
  readonly dialect = "sqlite" as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, { stmt: Database.Statement; args: (p: readonly unknown[]) => unknown[] }>();
  readonly #jobs: Job[] = [];
  #draining = false;
  /** A statement that writes has run since the checkpoint worker was last nudged. */
  #wrote = false;
  readonly #checkpointer: Checkpointer | null = null;
  readonly #direct: Sql = {
    dialect: "sqlite",
    query: async <R>(text: string, params: readonly unknown[] = []) => this.#run<R>(text, params),
    exec: async (script: string) => {
      this.#wrote = true;
      this.#db.exec(script);
    },
  };

  /** `checkpoints` tunes the checkpoint worker of a database file (tests watch and break it). */
  constructor(file: string, opts: { checkpoints?: Omit<CheckpointerOptions, "onFailure"> } = {}) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("busy_timeout = 5000");
    retryWhileBusy(() => this.#db.pragma("journal_mode = WAL"), { forMs: 5000 });
    this.#db.pragma("synchronous = NORMAL");
    // A statement that writes many rows inside a transaction keeps a journal to undo that statement
    // alone, and past 64 KiB SQLite spills it to a temporary file: a feeding batch's inserts at random
    // places reach that, so every batch created, wrote and unlinked a file in /var/tmp. In memory
    // instead (measured: docs/benchmark.md). Temporary tables and sorts go to memory too; the App's
    // are small (a migration that builds an index on a large table sorts it in memory).
    this.#db.pragma("temp_store = MEMORY");
    this.#db.pragma("foreign_keys = ON");
    if (file !== ":memory:") {
      this.#checkpointer = new Checkpointer(file, {
        ...opts.checkpoints,
        // Without the worker, commits checkpoint as SQLite does by default: slower, nothing lost.
        onFailure: (err) => {
          if (this.#db.open) this.#db.pragma("wal_autocheckpoint = 1000");
          process.emitWarning(`SQLite checkpoints are back on the main thread: ${err.message}`, "RepositoriWarning");
        },
      });
      this.#db.pragma(`wal_autocheckpoint = ${this.#checkpointer.walFrames}`);
    }
  }

  #run<T>(text: string, params: readonly unknown[]): T[] {
    let cached = this.#statements.get(text);
    if (!cached) {
      const order: number[] = [];
      const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return "?";
      });
      const stmt = this.#db.prepare(sql);
      cached = { stmt, args: (p) => order.map((i) => normalise(p[i])) };
      if (this.#statements.size >= MAX_STATEMENTS) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      this.#statements.set(text, cached);
    }
    const args = cached.args(params);
    if (!cached.stmt.readonly) this.#wrote = true;
    if (cached.stmt.reader) return cached.stmt.all(...args) as T[];
    cached.stmt.run(...args);
    return [];
  }

  #enqueue<T>(tx: boolean, run: (sql: Sql) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ tx, run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Start on the next turn of the event loop, so that the transactions of requests that arrived
        // together are in the queue together and share one commit.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    for (let job = this.#jobs.shift(); job; job = this.#jobs.shift()) {
      if (job.tx) await this.#group(job);
      else {
        try {
          job.resolve(await job.run(this.#direct));
        } catch (err) {
          job.reject(err);
        }
      }
      // After each job that wrote (badge views only read), not once the queue is empty: under
      // steady load it never is.
      if (this.#wrote) {
        this.#wrote = false;
        this.#checkpointer?.wrote();
      }
    }
    this.#draining = false;
  }

  /** Runs `first` and the transactions queued right behind it in one BEGIN … COMMIT. */
  async #group(first: Job): Promise<void> {
    const done: { job: Job; value: unknown; committed: (() => void)[] }[] = [];
    let job: Job | undefined = first;
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      for (let n = 1; job; n++) {
        this.#db.exec("SAVEPOINT job");
        const committed: (() => void)[] = [];
        try {
          const value = await job.run({ ...this.#direct, afterCommit: (fn) => void committed.push(fn) });
          this.#db.exec("RELEASE job");
          done.push({ job, value, committed });
        } catch (err) {
          job.reject(err);
          if (!this.#db.inTransaction) {
            // SQLite rolled the whole transaction back by itself: the earlier bodies' work is gone too.
            for (const d of done) d.job.reject(err);
            return;
          }
          this.#db.exec("ROLLBACK TO job");
          this.#db.exec("RELEASE job");
        }
        job = n < MAX_GROUP && this.#jobs[0]?.tx ? this.#jobs.shift() : undefined;
      }
      this.#db.exec("COMMIT");
    } catch (err) {
      // BEGIN, a savepoint or the COMMIT failed (a full disk, say): nothing of the group is stored,
      // and every job of it is told so rather than the queue stopping with the error.
      this.#rollBack();
      job?.reject(err);
      for (const d of done) d.job.reject(err);
      return;
    }
    for (const d of done) {
      for (const fn of d.committed) fn();
      d.job.resolve(d.value);
    }
  }

  #rollBack(): void {
    if (!this.#db.inTransaction) return;
    try {
      this.#db.exec("ROLLBACK");
    } catch {
      // The connection cannot even roll back (the file is gone, say): the next BEGIN reports it.
    }
  }

  query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#enqueue<T[]>(false, () => this.#run<T>(text, params));
  }

  /** Runs a multi-statement script (migrations); not parameterised. */
  exec(script: string): Promise<void> {
    return this.#enqueue<void>(false, () => this.#direct.exec(script));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#enqueue<T>(true, fn);
  }

  async close(): Promise<void> {
    await this.#enqueue<void>(false, async () => {
      await this.#checkpointer?.stop();
      this.#db.close();
    });
  }
}
