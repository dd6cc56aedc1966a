import pg from "pg";
import type { Db, Sql } from "./db.js";

// BIGINT columns (xp, times) come back as JavaScript numbers; values stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** Errors worth retrying the whole transaction for: serialisation failure and deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** PostgreSQL behind the same Db surface as SQLite (`$1` placeholders are native here). */
export class PostgresDb implements Db {
  readonly dialect = "postgres" as const;
  readonly #pool: pg.Pool;

  constructor(connectionString: string, opts: { max?: number } = {}) {
    this.#pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on("error", () => undefined);
  }

  async query<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.#pool.query(text, params as unknown[]);
    return result.rows as T[];
  }

  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      try {
        await client.query("BEGIN");
        const tx: Sql = {
          query: async <R>(text: string, params: readonly unknown[] = []) =>
            (await client.query(text, params as unknown[])).rows as R[],
          exec: async (script: string) => {
            await client.query(script);
          },
        };
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? "")) continue;
        throw err;
      } finally {
        client.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
