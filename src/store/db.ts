/**
 * The narrow SQL surface both backends implement. Statements use PostgreSQL-style `$1` placeholders
 * and SQL that SQLite ≥ 3.35 and PostgreSQL ≥ 13 both accept (upserts, RETURNING), so every query
 * of the store is written once and runs unchanged on either database.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export type Dialect = "sqlite" | "postgres";

export interface Db extends Sql {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction that takes write locks up front; retried by the adapter on serialisation failures. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A versioned schema change. `sql` runs on both dialects unless a dialect-specific text is given. */
export interface Migration {
  id: string;
  sql?: string;
  sqlite?: string;
  postgres?: string;
}
