import { resolve } from "node:path";
import { budgetMigrations } from "./budget-migrations.js";
import { commentMigrations } from "./comment-migrations.js";
import type { Db, Migration } from "./db.js";
import { knownDeliveriesOf } from "./known-deliveries.js";
import { migrate } from "./migrate.js";
import { coreMigrations } from "./migrations.js";
import { SqlStore } from "./sql-store.js";
import { SqliteDb } from "./sqlite-db.js";

/** Every migration, in order. Feature areas append their own (ids are namespaced, never reused). */
export const allMigrations: Migration[] = [...coreMigrations, ...budgetMigrations, ...commentMigrations];

/** Opens the database named by `DATABASE_URL` (`sqlite:<path>` or `postgres://…`) and migrates it. */
export async function openDb(url: string, cwd = process.cwd()): Promise<Db> {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { PostgresDb } = await import("./postgres-db.js");
    return new PostgresDb(url);
  }
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    return new SqliteDb(path === ":memory:" ? path : resolve(cwd, path));
  }
  // Only the scheme is repeated: the rest of a database URL may hold a password.
  const got = url.includes(":")
    ? `"${url.split(":")[0]}:…"`
    : "a value with no scheme; for a SQLite file write sqlite:<path>";
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${got})`);
}

export async function openStore(url: string, cwd?: string): Promise<SqlStore> {
  const db = await openDb(url, cwd);
  await migrate(db, allMigrations);
  // SQLite's delivery ids are read into memory now (about 0.4 s per 300,000), not by the first webhook.
  await knownDeliveriesOf(db)?.load(db);
  return new SqlStore(db);
}
