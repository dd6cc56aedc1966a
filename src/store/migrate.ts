import type { Db, Migration } from "./db.js";

/** Any constant: with the schema's name, the PostgreSQL advisory lock key that serialises migrators. */
const MIGRATION_LOCK = 7_270_301;

/**
 * Applies, in order, every migration whose id is not yet recorded, and returns the ids it applied.
 * Runs in one transaction, so a crash half-way leaves the schema as it was and the next start simply
 * tries again. Replicas starting at once take turns: on PostgreSQL a transaction-scoped advisory lock
 * (keyed by the schema, so separate schemas do not wait on each other), on SQLite the write lock that
 * BEGIN IMMEDIATE takes. Whoever comes second finds every id recorded and applies nothing.
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`Migration id ${m.id} is listed twice`);
    ids.add(m.id);
  }
  return db.transaction(async (tx) => {
    if (db.dialect === "postgres") {
      // Waiting for another replica's migration, or building an index, may outlast the statement timeout.
      await tx.query("SET LOCAL statement_timeout = 0");
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(current_schema()))`);
    }
    await tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)");
    const rows = await tx.query<{ id: string }>("SELECT id FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.id));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      const script = (db.dialect === "postgres" ? m.postgres : m.sqlite) ?? m.sql;
      if (script === undefined) throw new Error(`Migration ${m.id} has no SQL for ${db.dialect}`);
      // An empty script: the migration has nothing to change in this dialect, and is recorded as applied.
      if (script.trim() !== "") await tx.exec(script);
      await tx.query("INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)", [m.id, Date.now()]);
      done.push(m.id);
    }
    return done;
  });
}
