import type { Sql } from "./db.js";

/**
 * Rows per statement. Bounds the parameters of one statement (SQLite takes 32,766, PostgreSQL 65,535)
 * and the number of distinct statement texts the databases prepare and cache.
 */
const MAX_ROWS = 128;

/** `($1, $2), ($3, $4)` for `rows` of equal width, numbered from `$1`. */
export function valuesList(rows: readonly (readonly unknown[])[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const start = params.length;
    params.push(...row);
    return `(${row.map((_, i) => `$${start + i + 1}`).join(", ")})`;
  });
  return { text: tuples.join(", "), params };
}

/**
 * Runs `${head} VALUES (…), (…) ${tail}` over `rows`, a chunk of rows per statement, and returns
 * what the statements returned (their RETURNING rows), in order. No statement runs for no rows.
 */
export async function multiRow<R = Record<string, unknown>>(
  tx: Sql,
  head: string,
  rows: readonly (readonly unknown[])[],
  tail = "",
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS) {
    const { text, params } = valuesList(rows.slice(i, i + MAX_ROWS));
    out.push(...(await tx.query<R>(`${head} VALUES ${text} ${tail}`, params)));
  }
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
