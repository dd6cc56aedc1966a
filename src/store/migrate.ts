import type { Db, Migration } from "./db.js";

/** Any constant: the PostgreSQL advisory lock that makes two replicas starting at once migrate one after the other. */
const MIGRATION_LOCK = 7_270_301;

/**
 * Applies, in order, every migration whose id is not yet recorded. Runs in one transaction, so a crash
 * half-way leaves the schema as it was and the next start simply tries again.
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)");
    const rows = await tx.query<{ id: string }>("SELECT id FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.id));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      const script = (db.dialect === "postgres" ? m.postgres : m.sqlite) ?? m.sql;
      if (!script) throw new Error(`Migration ${m.id} has no SQL for ${db.dialect}`);
      await tx.exec(script);
      await tx.query("INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)", [m.id, Date.now()]);
      done.push(m.id);
    }
    return done;
  });
}
