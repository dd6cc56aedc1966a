import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../src/store/migrate.js";
import { allMigrations } from "../../src/store/open-store.js";
import { PostgresDb } from "../../src/store/postgres-db.js";

const BASE_URL = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether the test PostgreSQL answers. When it does not, tests that need it are skipped with the
 * printed reason, unless REQUIRE_POSTGRES=1 (CI), where its absence is a failure.
 */
export async function postgresAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true };
  } catch (err) {
    const reason = `PostgreSQL at ${BASE_URL} is not reachable (${(err as Error).message})`;
    if (process.env.REQUIRE_POSTGRES === "1") throw new Error(`${reason}; REQUIRE_POSTGRES=1 demands it`);
    console.warn(`Skipping PostgreSQL tests: ${reason}. Set REQUIRE_POSTGRES=1 to make this a failure.`);
    return { ok: false, reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A migrated PostgresDb in a schema of its own (dropped by `drop`), so parallel test files never collide. */
export async function freshPostgres(): Promise<{ db: PostgresDb; drop(): Promise<void> }> {
  const schema = `voice_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(BASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const db = new PostgresDb(url.toString(), { max: 10 });
  await migrate(db, allMigrations);
  return {
    db,
    async drop() {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
