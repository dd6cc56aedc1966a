import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe } from "vitest";
import type { Db } from "../../src/store/db.js";
import { openDb, openStore } from "../../src/store/open-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";

/**
 * Store factories for contract tests: every suite written with `forEachStore` runs once on SQLite (a
 * temp file) and once on PostgreSQL (a fresh schema in database `test` on 127.0.0.1:5432).
 *
 * PostgreSQL unreachable: with REQUIRE_POSTGRES=1 (set by `.ci/run`) the suite fails; otherwise it is
 * skipped and the reason is printed.
 */

export type StoreKind = "sqlite" | "postgres";

/** The server every PostgreSQL suite uses; PG_TEST_URL overrides it (e.g. another port). */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REQUIRE_POSTGRES = process.env.REQUIRE_POSTGRES === "1";

/** One empty database: a temp SQLite file or a fresh PostgreSQL schema. Nothing is migrated yet. */
export interface TestDatabase {
  kind: StoreKind;
  /** A `DATABASE_URL` for this database (child processes can use it too). */
  url: string;
  /** A new connection (pool) on this database, not migrated. */
  openDb(): Promise<Db>;
  /** A new store on this database, migrated with every migration of the App. */
  openStore(): Promise<SqlStore>;
  /** Closes what was opened through this object and deletes the database. */
  drop(): Promise<void>;
}

// Schemas are named with their creation time so that a run killed before its clean-up leaves
// nothing behind for long: the next run drops schemas older than STALE_MS.
const SCHEMA_PREFIX = "t_";
const STALE_MS = 6 * 3600 * 1000;

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", [
      `${SCHEMA_PREFIX}%`,
    ]);
    for (const { nspname } of rows) {
      const born = Number(nspname.split("_")[1]);
      if (Number.isFinite(born) && Date.now() - born > STALE_MS) {
        await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
      }
    }
    return null;
  } catch (err) {
    return `PostgreSQL is unreachable at ${PG_ADMIN_URL} (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL suites cannot run here, or null when the server answers. Probed once per test file. */
export const postgresProblem: string | null = await probePostgres();

/** A URL on the same server whose connections use `schema` (via the `options` startup parameter). */
export function pgUrlWithSchema(schema: string, base = PG_ADMIN_URL): string {
  const url = new URL(base);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

/** Runs one administrative statement (create or drop a schema) on its own short-lived connection; its rows. */
export async function adminQuery<T = Record<string, unknown>>(sql: string, url = PG_ADMIN_URL): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates one empty database of `kind`. Call `drop()` when done (forEachStore does it for you). */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    opened.push(x);
    return x;
  };
  const closeAll = async () => {
    for (const x of opened.splice(0)) await x.close().catch(() => undefined);
  };
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "repositori-store-"));
    const url = `sqlite:${join(dir, "store.db")}`;
    return {
      kind,
      url,
      openDb: async () => track(await openDb(url)),
      openStore: async () => track(await openStore(url)),
      drop: async () => {
        await closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (postgresProblem) {
    throw new Error(REQUIRE_POSTGRES ? `${postgresProblem}, and REQUIRE_POSTGRES=1 requires it` : postgresProblem);
  }
  const schema = `${SCHEMA_PREFIX}${Date.now()}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE SCHEMA "${schema}"`);
  const url = pgUrlWithSchema(schema);
  return {
    kind,
    url,
    openDb: async () => track(await openDb(url)),
    openStore: async () => track(await openStore(url)),
    drop: async () => {
      await closeAll();
      await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/** Whether suites of `kind` run here; prints why not (once per file) when they are skipped. */
const warned = new Set<StoreKind>();
export function storeAvailable(kind: StoreKind): boolean {
  if (kind === "sqlite" || !postgresProblem || REQUIRE_POSTGRES) return true;
  if (!warned.has(kind)) {
    warned.add(kind);
    console.warn(`SKIPPED PostgreSQL suites: ${postgresProblem}. Start it, or set REQUIRE_POSTGRES=1 to fail instead.`);
  }
  return false;
}

export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "postgres"];

/** Opens a fresh, empty, migrated store; every call gives a new database of its own. */
export type OpenStore = () => Promise<SqlStore>;
/** Creates a fresh, empty, unmigrated database (for migration tests or child processes). */
export type FreshDatabase = () => Promise<TestDatabase>;

/**
 * Declares `body` once per backend, inside `describe("<name> store")`. Every database made through
 * `open` / `fresh` is closed and dropped after the suite.
 */
export function forEachStore(body: (name: StoreKind, open: OpenStore, fresh: FreshDatabase) => void): void {
  for (const kind of STORE_KINDS) {
    describe.skipIf(!storeAvailable(kind))(`${kind} store`, () => {
      const made: TestDatabase[] = [];
      const fresh: FreshDatabase = async () => {
        const db = await createTestDatabase(kind);
        made.push(db);
        return db;
      };
      const open: OpenStore = async () => (await fresh()).openStore();
      afterAll(async () => {
        for (const db of made.splice(0)) await db.drop();
      });
      body(kind, open, fresh);
    });
  }
}
