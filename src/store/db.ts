/**
 * The narrow SQL surface both backends implement. Statements use PostgreSQL-style `$1` placeholders
 * and SQL that SQLite ≥ 3.35 and PostgreSQL ≥ 13 both accept (upserts, RETURNING), so every query
 * of the store is written once and runs unchanged on either database.
 */
export interface Sql {
  /** Which database runs the statements (builders of multi-row statements write them per dialect). */
  readonly dialect: Dialect;
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs statements that are independent of each other (none reads or writes a row another one
   * writes) in as few round trips as the database allows, and returns each one's RETURNING rows.
   * Optional: without it they run one after another (see runAll).
   */
  all?(statements: readonly Statement[], opts?: GroupOptions): Promise<Record<string, unknown>[][]>;
  /**
   * Statements are sent in the order of the calls, each after the effects of those called before
   * it, even when the caller does not wait for their answers (PostgreSQL's pipeline mode).
   */
  readonly pipelined?: boolean;
  /**
   * Inside a transaction: calls `fn` once the transaction has committed, and never if it (or this
   * body's part of it) rolls back. For state kept beside the database (SQLite's delivery ids in
   * memory) that must only ever hold what is stored.
   */
  afterCommit?(fn: () => void): void;
}

export interface GroupOptions {
  /**
   * These are the transaction's last statements: the adapter may send its COMMIT along with them
   * (PostgreSQL: one round trip fewer). Nothing may run on the transaction after them, and the
   * transaction's body must not fail after they succeed.
   */
  last?: boolean;
}

export interface Statement {
  text: string;
  params: readonly unknown[];
}

/** Runs `statements` with `sql.all` where the database has it, otherwise one after another. */
export function runAll(
  sql: Sql,
  statements: readonly Statement[],
  opts: GroupOptions = {},
): Promise<Record<string, unknown>[][]> {
  return sql.all && (statements.length > 1 || opts.last) ? sql.all(statements, opts) : runEach(sql, statements);
}

/** Runs `statements` one after another, each in its own round trip, and returns each one's rows. */
export async function runEach(sql: Sql, statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
  const out: Record<string, unknown>[][] = [];
  for (const s of statements) out.push(await sql.query(s.text, s.params));
  return out;
}

export type Dialect = "sqlite" | "postgres";

export interface Db extends Sql {
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

/**
 * State this process keeps beside a database between transactions (what the store remembers of
 * delivery ids or of full days): one, made on first use, per `Db`, and gone with it.
 */
export function besideDb<T>(make: () => T): (db: Db) => T {
  const kept = new WeakMap<Db, T>();
  return (db) => {
    let state = kept.get(db);
    if (state === undefined) {
      state = make();
      kept.set(db, state);
    }
    return state;
  };
}
