import { type GroupOptions, runAll, type Sql, type Statement } from "./db.js";

/**
 * Rows per statement. Bounds the parameters of one statement (SQLite takes 32,766, PostgreSQL 65,535)
 * and the number of distinct statement texts the databases prepare and cache.
 */
export const MAX_ROWS = 128;

/** `rows` in chunks of at most MAX_ROWS; none for no rows. */
export function chunksOf<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS) out.push(rows.slice(i, i + MAX_ROWS));
  return out;
}

/** `($1, $2), ($3, $4)` for `rows` of equal width, numbered from `$1` (from `$offset + 1`). */
export function valuesList(rows: readonly (readonly unknown[])[], offset = 0): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const start = offset + params.length;
    params.push(...row);
    return `(${row.map((_, i) => `$${start + i + 1}`).join(", ")})`;
  });
  return { text: tuples.join(", "), params };
}

/**
 * One statement per chunk of `rows`, built by `statement` from the chunk's VALUES list (`(…), (…)`,
 * numbered from `$1`) and its parameters; none for no rows.
 */
export function chunkedStatements(
  rows: readonly (readonly unknown[])[],
  statement: (values: string, params: unknown[]) => Statement,
): Statement[] {
  return chunksOf(rows).map((chunk) => {
    const { text, params } = valuesList(chunk);
    return statement(text, params);
  });
}

/** `${head} VALUES (…), (…) ${tail}` over `rows`, a chunk of rows per statement; none for no rows. */
export function rowStatements(head: string, rows: readonly (readonly unknown[])[], tail = ""): Statement[] {
  return chunkedStatements(rows, (values, params) => ({ text: `${head} VALUES ${values} ${tail}`, params }));
}

/**
 * Runs groups of statements that are independent of each other, in as few round trips as the
 * database allows (see Sql.all), and returns each group's RETURNING rows, in order.
 */
export async function runGroups(
  tx: Sql,
  groups: readonly Statement[][],
  opts: GroupOptions = {},
): Promise<Record<string, unknown>[][]> {
  const results = await runAll(tx, groups.flat(), opts);
  let next = 0;
  return groups.map((group) => group.flatMap(() => results[next++] ?? []));
}

/**
 * Runs phases in order: each is a list of groups as for runGroups, and may depend on what the phases
 * before it wrote, not on what they returned. Where the database pipelines (PostgreSQL), every phase
 * is sent without waiting for the one before: one round trip for all. `opts` applies to the last.
 */
export async function runPhases(
  tx: Sql,
  phases: readonly (readonly Statement[][])[],
  opts: GroupOptions = {},
): Promise<Record<string, unknown>[][][]> {
  const optsOf = (i: number) => (i === phases.length - 1 ? opts : {});
  if (tx.pipelined) return Promise.all(phases.map((groups, i) => runGroups(tx, groups, optsOf(i))));
  const out: Record<string, unknown>[][][] = [];
  for (const [i, groups] of phases.entries()) out.push(await runGroups(tx, groups, optsOf(i)));
  return out;
}

/** Sorts rows by their leading string/number columns, so concurrent writers lock rows in one order. */
export function lockOrder<T extends readonly unknown[]>(rows: T[]): T[] {
  return rows.sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i] as string | number;
      const y = b[i] as string | number;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
}
