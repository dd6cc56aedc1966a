import { FOOD_KINDS, XP_PER_FOOD } from "../domain/foods.js";
import type { Dialect, Sql, Statement } from "./db.js";
import {
  type BatchTotals,
  batchOutcomes,
  batchTotals,
  byContributor,
  dayRowKey,
  firstCopies,
  freshInputs,
  type Grant,
  grantFoods,
  keyOf,
  newBatchId,
  reposOf,
  sourceKey,
} from "./feed-batch.js";
import type { KnownDeliveries } from "./known-deliveries.js";
import { chunksFor, insertRows, lockOrder, rowsTable, runGroups, runPhases } from "./sql-rows.js";
import type { FeedInput, FeedOutcome, RepoRef } from "./store.js";

/** GitHub repo names are case-insensitive; a repo's name is keyed by the lower-case form. */
export const fullNameKey = (owner: string, name: string) => keyOf(`${owner}/${name}`);

export const REPO_COLUMNS =
  "id, owner, name, private, installation_id, installed, dash_name, outfit, badge_token, display, xp, foods, last_fed_at, contributor_count";

export interface RepoRow {
  id: number | string;
  owner: string;
  name: string;
  private: number;
  installation_id: number | string | null;
  installed: number;
  dash_name: string | null;
  outfit: string | null;
  badge_token: string | null;
  display: string | null;
  xp: number | string;
  foods: number | string;
  last_fed_at: number | string | null;
  contributor_count: number | string;
}

export const num = (v: unknown) => Number(v ?? 0);

/**
 * Statements that refresh repo rows (name, visibility, installation) and return them, taking their
 * write locks, which serialises feedings per repo. `installed` undefined keeps each row's flag (a new
 * row is installed when it comes with an installation id).
 * A renamed repo frees its old name first (`rename`, to run before `upsert`); if another repo took
 * that name since, the stale row steps aside.
 */
export function repoStatements(
  dialect: Dialect,
  repos: readonly RepoRef[],
  now: number,
  newBadgeToken: () => string,
  installed?: boolean,
): { rename: Statement[]; upsert: Statement[] } {
  if (repos.length === 0) return { rename: [], upsert: [] };
  const sorted = [...repos].sort((a, b) => a.id - b.id);
  const keys = sorted.map((r) => fullNameKey(r.owner, r.name));
  const keyList = keys.map((_, i) => `$${i + 1}`).join(", ");
  const idList = sorted.map((_, i) => `$${keys.length + i + 1}`).join(", ");
  const rename = {
    text: `UPDATE repos SET full_name_key = full_name_key || '#' || id WHERE full_name_key IN (${keyList}) AND id NOT IN (${idList})`,
    params: [...keys, ...sorted.map((r) => r.id)],
  };
  const upsert = insertRows(
    dialect,
    "repos",
    REPO_REFRESH_COLUMNS,
    repoRefreshRows(sorted, now, newBadgeToken, installed),
    `ON CONFLICT (id) DO UPDATE SET ${repoRefresh(installed)} RETURNING ${REPO_COLUMNS}`,
  );
  return { rename: [rename], upsert };
}

/** The repo row columns a delivery refreshes (see repoRefreshRows). */
export const REPO_REFRESH_COLUMNS = [
  "id",
  "owner",
  "name",
  "full_name_key",
  "private",
  "installation_id",
  "installed",
  "badge_token",
  "updated_at",
] as const;

/** The values of REPO_REFRESH_COLUMNS for `sorted` repos (by id), as repoStatements upserts them. */
export function repoRefreshRows(
  sorted: readonly RepoRef[],
  now: number,
  newBadgeToken: () => string,
  installed?: boolean,
): unknown[][] {
  return sorted.map((r) => [
    r.id,
    r.owner,
    r.name,
    fullNameKey(r.owner, r.name),
    r.private ? 1 : 0,
    r.installationId,
    // A repo first seen through a delivery its installation sent is installed (an existing row keeps
    // its flag, below: a late delivery does not undo an uninstall).
    (installed ?? r.installationId !== null) ? 1 : 0,
    newBadgeToken(),
    now,
  ]);
}

/** What an upsert of REPO_REFRESH_COLUMNS sets on a repo row that exists. */
export function repoRefresh(installed?: boolean): string {
  return `owner = excluded.owner, name = excluded.name, full_name_key = excluded.full_name_key,
       private = excluded.private,
       installation_id = COALESCE(excluded.installation_id, repos.installation_id),
       installed = ${installed === undefined ? "repos.installed" : "excluded.installed"},
       updated_at = excluded.updated_at`;
}

/** Inserts or refreshes repo rows and returns them (see repoStatements). */
export async function upsertRepos(
  tx: Sql,
  repos: readonly RepoRef[],
  now: number,
  newBadgeToken: () => string,
  installed?: boolean,
): Promise<RepoRow[]> {
  const { rename, upsert } = repoStatements(tx.dialect, repos, now, newBadgeToken, installed);
  await runGroups(tx, [rename]);
  const [rows] = await runGroups(tx, [upsert]);
  return (rows ?? []) as unknown as RepoRow[];
}

/**
 * Feeds a batch of deliveries in one transaction with a fixed number of statements, whatever the
 * batch's size, sent in four groups of independent statements. On PostgreSQL each group is one
 * statement, and none waits for the answer of the one before unless it needs its rows: BEGIN and
 * the first two in one round trip, the rest and the COMMIT in another.
 * Lock order, so that concurrent writers rarely deadlock (PostgreSQL retries the few that do) and
 * wait no longer than they must: delivery ids first (a redelivery waits for the first copy, then
 * stops), then the contributors' day rows, then contributor, user and repo rows (each table's rows
 * in key order), the repos' counters last.
 */
export async function feedBatch(
  tx: Sql,
  inputs: readonly FeedInput[],
  newBadgeToken: () => string,
  /** SQLite's delivery ids (knownDeliveriesOf); null on PostgreSQL. */
  known: KnownDeliveries | null,
  /** Given each contributor-day's foods after the batch, where passed (see FullDays). */
  dayFoodsAfter?: Map<string, number>,
): Promise<FeedOutcome[]> {
  const now = Math.max(...inputs.map((i) => i.at.getTime()));
  // Marks the deliveries this batch inserts, so that its next statements, sent before those rows
  // answer, can tell them from deliveries stored before (redeliveries).
  const batch = newBatchId();
  // SQLite's log says which deliveries are new before anything is written (see KnownDeliveries).
  const logged = known && (await known.fresh(tx, inputs));
  if (known && logged) await known.record(tx, inputs, logged);

  // The contributors' day rows, locked and read (the cap check is atomic on PostgreSQL too); the
  // sources, which each feed once, for the deliveries this batch inserts; and renamed repos' old
  // names freed. Worked out for every delivery, unless the log told which ones are new.
  const dayRows = new Map<string, [number, string, string, number]>();
  const sourceRows = new Map<string, [number, string, string]>();
  const firsts = logged ?? firstCopies(inputs);
  // Each delivery's feedings by contributor, worked out once for the rows here and the grants.
  const groups = inputs.map((input) => byContributor(input));
  inputs.forEach((input, i) => {
    for (const [loginKey, feedings] of groups[i] ?? []) {
      dayRows.set(dayRowKey(input.repo.id, loginKey, input.day), [input.repo.id, loginKey, input.day, 0]);
      if (!firsts[i]) continue;
      for (const f of feedings) {
        const key = `${sourceKey(input.repo.id, f.sourceKey)}\0${input.deliveryId}`;
        sourceRows.set(key, [input.repo.id, f.sourceKey, input.deliveryId]);
      }
    }
  });
  const repos = repoStatements(tx.dialect, [...reposOf(inputs).values()], now, newBadgeToken);
  const days = insertRows(
    tx.dialect,
    "contributor_days",
    ["repo_id", "login_key", "day", "foods"],
    lockOrder([...dayRows.values()]),
    `ON CONFLICT (repo_id, login_key, day) DO UPDATE SET foods = contributor_days.foods
     RETURNING repo_id, login_key, day, foods`,
  );
  // Delivery ids first (a redelivery waits for the first copy, then stops), then the rest: on
  // PostgreSQL in one round trip with BEGIN. SQLite's log has the ids written already.
  const sources = lockOrder([...sourceRows.values()]);
  const deliveryRows = logged
    ? []
    : [...new Map(inputs.map((i) => [i.deliveryId, [i.deliveryId, i.repo.id, i.at.getTime(), batch]])).values()];
  const phases = await runPhases(tx, [
    ...(logged
      ? []
      : [
          [
            insertRows(
              tx.dialect,
              "deliveries",
              ["id", "repo_id", "received_at", "batch"],
              lockOrder(deliveryRows),
              "ON CONFLICT (id) DO NOTHING RETURNING id",
            ),
          ],
        ]),
    [days, logged ? newSourceStatements(sources) : sourceStatements(tx.dialect, sources, batch), repos.rename],
  ]);
  const [dayBefore = [], newSources = []] = phases.at(-1) as [
    { repo_id: number | string; login_key: string; day: string; foods: number | string }[],
    { repo_id: number | string; source_key: string }[],
  ];
  const fresh = logged ?? freshInputs(inputs, new Set((phases[0]?.[0] ?? []).map((r) => String(r.id))));
  const dayStart = new Map(dayBefore.map((r) => [dayRowKey(num(r.repo_id), r.login_key, r.day), num(r.foods)]));
  const dayFoods = new Map(dayStart);
  const grants = grantFoods(
    inputs,
    fresh,
    new Set(newSources.map((r) => sourceKey(num(r.repo_id), r.source_key))),
    dayFoods,
    groups,
  );
  const totals = batchTotals(inputs, grants);
  // Set again by a retried attempt: what the caller reads is the attempt that committed.
  if (dayFoodsAfter) for (const [key, foods] of dayFoods) dayFoodsAfter.set(key, foods);

  const dayAfter = [...dayRows.entries()].flatMap(([key, [repoId, loginKey, day]]) => {
    const foods = dayFoods.get(key) ?? 0;
    return foods !== (dayStart.get(key) ?? 0)
      ? [[repoId, loginKey, day, foods] as [number, string, string, number]]
      : [];
  });
  const [[, userRows = [], repoRows = []]] = (await runPhases(
    tx,
    counterPhases(tx.dialect, totals, repos.upsert, dayAfter),
    // The last statements: PostgreSQL commits with them (nothing below may fail).
    { last: true },
  )) as CounterRows;
  return outcomesOf(inputs, fresh, grants, totals, userRows, repoRows);
}

/**
 * The writes of a batch stored without reading first (see storeBatch) that assume what the batch
 * could not check: its deliveries and sources are new (plain inserts, which a stored one fails), and
 * each contributor's day stays within its cap (the day row adds the batch's foods, or turns NULL,
 * which its NOT NULL refuses). One day statement per daily cap in the batch; `cap` writes a cap into
 * the SQL (a literal, or a parameter's placeholder).
 */
export function unreadWrites(
  dialect: Dialect,
  inputs: readonly FeedInput[],
  grants: Grant[][],
  batch: string,
  cap: (dailyCap: number) => string = (dailyCap) => String(Math.trunc(dailyCap)),
): { deliveries: Statement[]; days: Statement[][]; sources: Statement[] } {
  const dayRows = new Map<number, Map<string, [number, string, string, number]>>();
  inputs.forEach((input, i) => {
    for (const g of grants[i] ?? []) {
      const rows = dayRows.get(input.dailyCap) ?? new Map<string, [number, string, string, number]>();
      const key = dayRowKey(input.repo.id, g.loginKey, input.day);
      rows.set(key, [input.repo.id, g.loginKey, input.day, (rows.get(key)?.[3] ?? 0) + g.foods]);
      dayRows.set(input.dailyCap, rows);
    }
  });
  return {
    deliveries: insertRows(
      dialect,
      "deliveries",
      ["id", "repo_id", "received_at", "batch"],
      lockOrder(inputs.map((i) => [i.deliveryId, i.repo.id, i.at.getTime(), batch])),
    ),
    days: [...dayRows].map(([dailyCap, rows]) =>
      insertRows(
        dialect,
        "contributor_days",
        ["repo_id", "login_key", "day", "foods"],
        lockOrder([...rows.values()]),
        // No ELSE: over the cap the row's foods would be NULL, which the column refuses.
        `ON CONFLICT (repo_id, login_key, day) DO UPDATE SET foods = CASE
           WHEN contributor_days.foods + excluded.foods <= ${cap(dailyCap)}
           THEN contributor_days.foods + excluded.foods END`,
      ),
    ),
    sources: insertRows(
      dialect,
      "fed_sources",
      ["repo_id", "source_key"],
      lockOrder(inputs.flatMap((i) => i.feedings.map((f) => [i.repo.id, f.sourceKey] as [number, string]))),
    ),
  };
}

/** What the counter phases return that the outcomes need: users' XP after, repos' state before. */
export type CounterRows = [[unknown, { login_key: string; xp: number | string }[], RepoRow[]]];

/** Each input's outcome from the batch's grants and what the counter phases returned. */
export function outcomesOf(
  inputs: readonly FeedInput[],
  fresh: readonly boolean[],
  grants: Grant[][],
  totals: BatchTotals,
  userRows: { login_key: string; xp: number | string }[],
  repoRows: Pick<RepoRow, "id" | "xp" | "last_fed_at">[],
): FeedOutcome[] {
  return batchOutcomes(inputs, fresh, grants, totals, {
    repoBefore: new Map(
      repoRows.map((r) => [num(r.id), { xp: num(r.xp), lastFedAt: r.last_fed_at == null ? null : num(r.last_fed_at) }]),
    ),
    userXpAfter: new Map(userRows.map((r) => [r.login_key, num(r.xp)])),
  });
}

/**
 * The batch's writes after its reads, as phases for runPhases: every counter of the contributors and
 * users, the repos' rows, the feeding log and the day rows' new counts (`dayAfter`), locked now: what
 * they say is the latest committed state, so "before" is exact. The repos' counters come after them
 * (they count the contributors these statements have just given their first XP), in the same round
 * trip as them and the COMMIT on PostgreSQL.
 */
export function counterPhases(
  dialect: Dialect,
  totals: BatchTotals,
  repoUpsert: Statement[],
  dayAfter: [number, string, string, number][],
): Statement[][][] {
  const counters = repoCounters(dialect, totals);
  // On PostgreSQL the contributors' upsert returns rows (unread) so that, as a composed group runs its
  // parts with RETURNING first and in order, it writes the contributors before the users and the repo
  // row: the order in which a batch stored in one statement takes them (see feedBatchInOneStatement).
  const c = counterStatements(dialect, totals, dayAfter, dialect === "postgres" ? "RETURNING repo_id" : "");
  return [
    [c.contributors, c.users, repoUpsert, c.feedings, c.days],
    [c.repoFoods, c.repoDays],
    // After the group before, not in it: they count the contributors it has just written, and update
    // the repo rows it has just upserted (PostgreSQL runs a group as one statement, whose parts see
    // neither each other's rows nor a row updated twice).
    [counters.first],
    // A repo's further contributors (SQLite only: PostgreSQL takes them all at once), each chunk a
    // statement of its own, for the same reason.
    ...counters.more.map((statement) => [[statement]]),
  ];
}

/** A user's foods of each kind, columns of the user's row (migration core-011). */
export const USER_KIND_COLUMNS = FOOD_KINDS.map((kind) => `foods_${kind}`);

/** The contributors' counter rows of a batch: the columns, then each row (its XP the batch's). */
const CONTRIBUTOR_COLUMNS = ["repo_id", "login_key", "login", "xp", "foods", "last_fed_at"] as const;

/**
 * A batch's writes to every counter but the repos' own, and to the feeding log, each independent of
 * the others. `returning` is added to the contributors' upsert.
 */
export function counterStatements(
  dialect: Dialect,
  totals: BatchTotals,
  dayAfter: [number, string, string, number][],
  returning = "",
): Record<"contributors" | "users" | "feedings" | "days" | "repoFoods" | "repoDays", Statement[]> {
  return {
    contributors: insertRows(
      dialect,
      "contributors",
      CONTRIBUTOR_COLUMNS,
      lockOrder(
        [...totals.contributors.values()].map((c) => [
          c.repoId,
          c.loginKey,
          c.login,
          c.foods * XP_PER_FOOD,
          c.foods,
          c.at,
        ]),
      ),
      `ON CONFLICT (repo_id, login_key) DO UPDATE SET login = excluded.login, xp = contributors.xp + excluded.xp,
         foods = contributors.foods + excluded.foods, last_fed_at = excluded.last_fed_at ${returning}`,
    ),
    // A user's foods today and by kind ride on the user's row (`day`, `day_foods`: the latest day
    // fed and its foods; `foods_<kind>`), rows fewer per delivery than a row per user and day and
    // per user and kind; a day earlier than the row's (a batch of another replica's, around
    // midnight) leaves the day alone.
    users: insertRows(
      dialect,
      "users",
      ["login_key", "login", "xp", "foods", "last_fed_at", "day", "day_foods", ...USER_KIND_COLUMNS],
      lockOrder(
        [...totals.users.values()].map((u) => [
          u.loginKey,
          u.login,
          u.foods * XP_PER_FOOD,
          u.foods,
          u.at,
          u.day,
          u.dayFoods,
          ...FOOD_KINDS.map((kind) => u.byKind[kind] ?? 0),
        ]),
      ),
      `ON CONFLICT (login_key) DO UPDATE SET login = excluded.login, xp = users.xp + excluded.xp,
         foods = users.foods + excluded.foods, last_fed_at = excluded.last_fed_at,
         ${USER_KIND_COLUMNS.map((c) => `${c} = users.${c} + excluded.${c}`).join(", ")},
         day_foods = CASE WHEN users.day = excluded.day THEN users.day_foods + excluded.day_foods
           WHEN users.day > excluded.day THEN users.day_foods ELSE excluded.day_foods END,
         day = CASE WHEN users.day > excluded.day THEN users.day ELSE excluded.day END
       RETURNING login_key, xp`,
    ),
    feedings: insertRows(
      dialect,
      "feedings",
      ["delivery_id", "repo_id", "login_key", "food", "count", "source_key", "fed_at"],
      totals.log.map(({ input, loginKey, feeding: f }) => [
        input.deliveryId,
        input.repo.id,
        loginKey,
        f.food,
        f.count,
        f.sourceKey,
        input.at.getTime(),
      ]),
    ),
    days: insertRows(
      dialect,
      "contributor_days",
      ["repo_id", "login_key", "day", "foods"],
      lockOrder(dayAfter),
      "ON CONFLICT (repo_id, login_key, day) DO UPDATE SET foods = excluded.foods",
    ),
    repoFoods: bump(
      dialect,
      "repo_foods",
      ["repo_id", "food"],
      "count",
      [...totals.repoFoods.values()].map((r) => [r.repoId, r.food, r.count]),
    ),
    repoDays: bump(
      dialect,
      "repo_days",
      ["repo_id", "day"],
      "foods",
      [...totals.repoDays.values()].map((r) => [r.repoId, r.day, r.foods]),
    ),
  };
}

/**
 * Records the sources (repo, source key, delivery id) of the deliveries that `batch` has inserted,
 * as fed; returns the ones that were new. A redelivery's delivery row was stored by an earlier
 * batch, so its sources are left alone.
 */
function sourceStatements(dialect: Dialect, rows: [number, string, string][], batch: string): Statement[] {
  return chunksFor(dialect, rows).map((chunk) => {
    const v = rowsTable(dialect, ["BIGINT", "TEXT", "TEXT"], chunk);
    return {
      text: `INSERT INTO fed_sources (repo_id, source_key)
           SELECT CAST(v.column1 AS BIGINT), v.column2 FROM ${v.text}
           WHERE (SELECT d.batch FROM deliveries d WHERE d.id = v.column3) = $${v.params.length + 1}
           ON CONFLICT (repo_id, source_key) DO NOTHING RETURNING repo_id, source_key`,
      params: [...v.params, batch],
    };
  });
}

/** Records sources of deliveries known to be new as fed (SQLite's log); returns the ones that were new. */
function newSourceStatements(rows: [number, string, string][]): Statement[] {
  // A source named by two new deliveries of the batch is one row.
  const unique = new Map(rows.map(([repoId, source]) => [sourceKey(repoId, source), [repoId, source]]));
  return insertRows(
    "sqlite",
    "fed_sources",
    ["repo_id", "source_key"],
    [...unique.values()],
    "ON CONFLICT (repo_id, source_key) DO NOTHING RETURNING repo_id, source_key",
  );
}

/**
 * Adds each repo's share of the batch to its counters. Its contributor count grows by the
 * contributors whose whole XP is this batch's: they had none before it (and are not opted out).
 * Counted by the database from the rows the batch has just written, so that these statements need
 * not wait for the contributors' statements to answer.
 */
function repoCounters(dialect: Dialect, totals: BatchTotals): { first: Statement[]; more: Statement[] } {
  const fedBy = new Map<number, [string, number][]>();
  for (const c of totals.contributors.values()) {
    if (c.foods <= 0) continue;
    const list = fedBy.get(c.repoId) ?? [];
    list.push([c.loginKey, c.foods * XP_PER_FOOD]);
    fedBy.set(c.repoId, list);
  }
  const first: Statement[] = [];
  const more: Statement[] = [];
  for (const [repoId, delta] of [...totals.repos].sort(([a], [b]) => a - b)) {
    // The usual batch's contributors fit one statement; on SQLite, a push with more distinct authors
    // than one statement may take parameters adds the rest in statements of their own.
    const [fed = [], ...rest] = chunksFor(dialect, fedBy.get(repoId) ?? []);
    const counted = newContributors(dialect, fed, 5);
    first.push({
      text: `UPDATE repos SET xp = xp + $1, foods = foods + $2, last_fed_at = $3,
               contributor_count = contributor_count + ${counted.text}, display = COALESCE($4, display)
             WHERE id = $5`,
      params: [
        delta.foods * XP_PER_FOOD,
        delta.foods,
        delta.at,
        delta.display ? JSON.stringify(delta.display) : null,
        repoId,
        ...counted.params,
      ],
    });
    for (const chunk of rest) {
      const extra = newContributors(dialect, chunk, 1);
      more.push({
        text: `UPDATE repos SET contributor_count = contributor_count + ${extra.text} WHERE id = $1`,
        params: [repoId, ...extra.params],
      });
    }
  }
  return { first, more };
}

/**
 * SQL counting the contributors of `fed` (login key, the batch's XP) whose whole XP is the batch's,
 * and its parameters, which follow `$repoParam`, the repo's id.
 */
function newContributors(
  dialect: Dialect,
  fed: readonly [string, number][],
  repoParam: number,
): { text: string; params: unknown[] } {
  if (fed.length === 0) return { text: "0", params: [] };
  const v = rowsTable(dialect, ["TEXT", "BIGINT"], fed, repoParam);
  // A correlated subquery, so that each contributor is one index lookup whatever the planner
  // believes of the table's size (a join was planned as a scan of the whole repo). Only the primary
  // key's columns in the WHERE, so that this is the index used.
  return {
    text: `(SELECT COUNT(*) FROM ${v.text} WHERE CAST(v.column2 AS BIGINT) = (
      SELECT CASE WHEN c.opted_out = 0 THEN c.xp END FROM contributors c
      WHERE c.repo_id = $${repoParam} AND c.login_key = v.column1))`,
    params: v.params,
  };
}

/**
 * Adds each row's last value to the counter of the row keyed by its first two, creating rows as
 * needed. Table and column names are constants of this file, never input.
 */
function bump(
  dialect: Dialect,
  table: "repo_foods" | "repo_days",
  keys: [string, string],
  counter: "count" | "foods",
  rows: (string | number)[][],
): Statement[] {
  return insertRows(
    dialect,
    table,
    [keys[0], keys[1], counter],
    lockOrder(rows),
    `ON CONFLICT (${keys[0]}, ${keys[1]}) DO UPDATE SET ${counter} = ${table}.${counter} + excluded.${counter}`,
  );
}
