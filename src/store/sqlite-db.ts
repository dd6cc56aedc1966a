import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Db, Sql } from "./db.js";

function normalise(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}

/**
 * better-sqlite3 is synchronous and one connection holds one transaction, so every statement and
 * transaction goes through a FIFO lock: an async transaction body can never interleave with another
 * caller's statements. BEGIN IMMEDIATE takes the write lock at the start, which also serialises
 * other processes on the same file (they wait up to `busy_timeout`).
 */
export class SqliteDb implements Db {
  readonly dialect = "sqlite" as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, { stmt: Database.Statement; args: (p: readonly unknown[]) => unknown[] }>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = NORMAL");
    this.#db.pragma("busy_timeout = 5000");
    this.#db.pragma("foreign_keys = ON");
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
      this.#statements.set(text, cached);
    }
    const args = cached.args(params);
    if (cached.stmt.reader) return cached.stmt.all(...args) as T[];
    cached.stmt.run(...args);
    return [];
  }

  #locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#locked(() => this.#run<T>(text, params));
  }

  /** Runs a multi-statement script (migrations); not parameterised. */
  exec(script: string): Promise<void> {
    return this.#locked(() => {
      this.#db.exec(script);
    });
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#locked(async () => {
      this.#db.exec("BEGIN IMMEDIATE");
      const tx: Sql = {
        query: async <R>(text: string, params: readonly unknown[] = []) => this.#run<R>(text, params),
        exec: async (script: string) => {
          this.#db.exec(script);
        },
      };
      try {
        const result = await fn(tx);
        this.#db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.#locked(() => this.#db.close());
  }
}
