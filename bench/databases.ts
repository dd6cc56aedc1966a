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
  return { kind, url: url.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`) };
}
