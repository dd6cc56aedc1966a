import { wellFormed } from "../domain/well-formed.js";
import { type Dialect, type GroupOptions, runAll, type Sql, type Statement } from "./db.js";

/**
 * Rows per statement on SQLite. Bounds the parameters of one statement (SQLite takes 32,766) and the
 * number of distinct statement texts it prepares and caches.
 */
export const MAX_ROWS = 128;

/** `rows` in chunks of at most MAX_ROWS; none for no rows. */
export function chunksOf<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS) out.push(rows.slice(i, i + MAX_ROWS));
  return out;
}

/**
 * `rows` in the chunks a statement of `dialect` takes: on PostgreSQL all at once (they travel as one
 * parameter, see insertRows), on SQLite in chunks of MAX_ROWS. None for no rows.
 */
export function chunksFor<T>(dialect: Dialect, rows: readonly T[]): T[][] {
  if (dialect === "sqlite") return chunksOf(rows);
  return rows.length > 0 ? [[...rows]] : [];
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

/** Half of a surrogate pair as JSON.stringify writes it (escaped; a whole pair is written as is). */
const ESCAPED_SURROGATE = /\\ud[89a-f]/i;

/**
 * `rows` as a JSON array of objects keyed by `columns`. A string holding half of a surrogate pair
 * (which PostgreSQL's JSON parser refuses) gets U+FFFD in its place, as pg's own UTF-8 encoding of a
 * parameter does.
 */
export function jsonRows(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  // Written out value by value: the same text as JSON.stringify of an object per row (the values are
  // strings, numbers and nulls), without building the objects (30 rows: 2.8 µs instead of 6.8).
  const keys = columns.map((column, i) => `${i === 0 ? "{" : ","}${JSON.stringify(column)}:`);
  let json = "[";
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] ?? [];
    if (r > 0) json += ",";
    for (let i = 0; i < keys.length; i++) {
      const value = row[i];
      json +=
        keys[i] +
        (typeof value === "number"
          ? Number.isFinite(value)
            ? String(value)
            : "null"
          : (JSON.stringify(value ?? null) ?? "null"));
    }
    json += "}";
  }
  json += "]";
  if (!ESCAPED_SURROGATE.test(json)) return json;
  const objects = rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i] ?? null])));
  return JSON.stringify(objects, (_, value: unknown) => (typeof value === "string" ? wellFormed(value) : value));
}

/**
 * `INSERT INTO ${table} (${columns}) …rows… ${tail}`; none for no rows. SQLite gets a VALUES list of
 * parameters (a statement per MAX_ROWS rows). PostgreSQL gets the rows as one JSON parameter, typed
 * by the table's own columns: the statement's text is then the same whatever the number of rows, so
 * it is parsed and planned once per connection. With a VALUES list, every batch size was a text of
 * its own, parsed and planned again and again (measured at full speed: PostgreSQL's CPU per delivery
 * 96 µs against 115 µs; see docs/benchmark.md).
 */
export function insertRows(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  tail = "",
): Statement[] {
  const names = columns.join(", ");
  return chunksFor(dialect, rows).map((chunk) => {
    if (dialect === "postgres") {
      return {
        text: `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_populate_recordset(NULL::${table}, $1::json) ${tail}`,
        params: [jsonRows(columns, chunk)],
      };
    }
    const { text, params } = valuesList(chunk);
    return { text: `INSERT INTO ${table} (${names}) VALUES ${text} ${tail}`, params };
  });
}

/**
 * A table of `rows` to select from, named `v`, with columns column1, column2 … typed as `types` (the
 * PostgreSQL type names, e.g. BIGINT, TEXT); its parameters follow `$offset`. SQLite gets a VALUES
 * list (whose columns it names so), PostgreSQL one JSON parameter (see insertRows).
 */
export function rowsTable(
  dialect: Dialect,
  types: readonly string[],
  rows: readonly (readonly unknown[])[],
  offset = 0,
): { text: string; params: unknown[] } {
  if (dialect === "sqlite") {
    const { text, params } = valuesList(rows, offset);
    return { text: `(VALUES ${text}) AS v`, params };
  }
  const columns = types.map((_, i) => `column${i + 1}`);
  const defs = types.map((type, i) => `${columns[i]} ${type}`).join(", ");
  return { text: `json_to_recordset($${offset + 1}::json) AS v(${defs})`, params: [jsonRows(columns, rows)] };
}

/**
 * `text` with each `$n` moved up by `offset`, remembered: a feeding batch's statements recur with the
 * same texts and offsets, so their hundreds of placeholders need not be rewritten for every batch.
 * Bounded (256 texts), since texts can vary (with the number of repos in a batch, say).
 */
const MAX_RENUMBERED = 256;
const renumberings = new Map<string, string>();
export function renumbered(text: string, offset: number): string {
  if (offset === 0) return text;
  const key = `${offset}:${text}`;
  let out = renumberings.get(key);
  if (out === undefined) {
    out = text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    if (renumberings.size >= MAX_RENUMBERED) renumberings.clear();
    renumberings.set(key, out);
  }
  return out;
}

/**
 * Statements as the named parts of one WITH clause (`name AS (…)`, each text's `$n` moved past the
 * parameters of the parts before it), the parameters of all in order, and the number of each part's
 * first parameter. Parts without a statement are left out.
 */
export function withParts(parts: readonly (readonly [name: string, statement: Statement | undefined])[]): {
  withs: string[];
  params: unknown[];
  firstParam: Map<string, number>;
} {
  const withs: string[] = [];
  const params: unknown[] = [];
  const firstParam = new Map<string, number>();
  for (const [name, s] of parts) {
    if (!s) continue;
    firstParam.set(name, params.length + 1);
    withs.push(`${name} AS (${renumbered(s.text, params.length)})`);
    params.push(...s.params);
  }
  return { withs, params, firstParam };
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
