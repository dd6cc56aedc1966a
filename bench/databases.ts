import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminQuery } from "../test/helpers/stores.js";

export type StoreKind = "sqlite" | "postgres";

/** PostgreSQL for the benchmark; BENCH_PG_URL overrides the local server's `test` database. */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface BenchDatabase {
  kind: StoreKind;
  url: string;
  drop(): Promise<void>;
}

const admin = (sql: string) => adminQuery(sql, BENCH_PG_URL);

/** Why PostgreSQL cannot be benchmarked here, or null when it answers. */
export async function postgresProblem(): Promise<string | null> {
  try {
    await admin("SELECT 1");
    return null;
  } catch (err) {
    return `PostgreSQL unreachable at ${BENCH_PG_URL}: ${(err as Error).message}`;
  }
}

/** An empty database: a SQLite file in a temp folder, or a fresh schema on the PostgreSQL server. */
export async function benchDatabase(kind: StoreKind): Promise<BenchDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "repositori-bench-"));
    return {
      kind,
      url: `sqlite:${join(dir, "bench.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await admin(`CREATE SCHEMA "${schema}"`);
  const url = new URL(BENCH_PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/**
 * Whether the App's connections may time their WAL flushes: `track_wal_io_timing` is for superusers
 * to set (PostgreSQL 14 and later).
 */
export async function canTimeWalFlushes(): Promise<boolean> {
  const [row] = await adminQuery<{ ok: boolean }>(
    "SELECT current_setting('server_version_num')::int >= 140000 AND rolsuper AS ok FROM pg_roles WHERE rolname = current_user",
    BENCH_PG_URL,
  ).catch(() => []);
  return row?.ok === true;
}

/**
 * The server's WAL flushes so far and the milliseconds they took (`pg_stat_wal`: the time only counts
 * flushes by sessions with `track_wal_io_timing` on); null where it cannot be read (before 14).
 */
export async function walFlushes(): Promise<{ count: number; ms: number } | null> {
  const [row] = await adminQuery<{ count: string; ms: number }>(
    "SELECT wal_sync AS count, wal_sync_time AS ms FROM pg_stat_wal",
    BENCH_PG_URL,
  ).catch(() => []);
  return row ? { count: Number(row.count), ms: Number(row.ms) } : null;
}
