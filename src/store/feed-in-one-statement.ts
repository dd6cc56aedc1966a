import { XP_PER_FOOD } from "../domain/foods.js";
import type { Db, Statement } from "./db.js";
import { batchTotals, type Grant, newBatchId, reposOf } from "./feed-batch.js";
import { BatchNeedsReads, needsReads } from "./feed-needs-reads.js";
import {
  counterStatements,
  outcomesOf,
  REPO_REFRESH_COLUMNS,
  repoRefresh,
  repoRefreshRows,
  unreadWrites,
} from "./sql-feed.js";
import { jsonRows, withParts } from "./sql-rows.js";
import type { FeedInput, FeedOutcome } from "./store.js";

/**
 * The usual batch on PostgreSQL (see storeBatch: everything in it new, as far as the batch itself can
 * tell), stored by a single statement with no transaction around it: a statement is atomic by
 * itself, so BEGIN and COMMIT go, and with them all but one of the statements the batch took in a
 * transaction, each of which the App encoded, sent and decoded and PostgreSQL started, ran and ended.
 * Each table's write is a data-modifying WITH query; they all see one snapshot, so none may need
 * another's effects. That holds for what the transaction's later statements waited for:
 *
 * - a repo's new contributors (the contributor count) are counted from the RETURNING rows of the
 *   contributors' upsert (those whose XP after is the batch's: they had none before);
 * - the repo row is refreshed and credited by one upsert, which also keeps its last feeding time as
 *   `previous_fed_at`, since an upsert returns only the new row and the outcomes need the old time;
 * - a renamed repo whose old name another row still holds fails the upsert (the name is unique):
 *   the batch then goes the careful way, which frees the name first.
 *
 * Its assumptions fail as the transaction's do (a stored delivery or source is a duplicate key, a day
 * over its cap a NULL its column refuses), and then nothing of the batch is stored: BatchNeedsReads.
 * Only for batches whose days share one daily cap (a parameter, so that the text stays the same).
 */
export async function feedBatchInOneStatement(
  db: Db,
  inputs: readonly FeedInput[],
  grants: Grant[][],
  newBadgeToken: () => string,
): Promise<FeedOutcome[]> {
  const now = Math.max(...inputs.map((i) => i.at.getTime()));
  const totals = batchTotals(inputs, grants);
  const cap = inputs[0]?.dailyCap ?? 0;
  const counters = counterStatements("postgres", totals, [], "RETURNING repo_id, login_key, xp, opted_out");
  // The cap is the day statement's second parameter, after its rows.
  const unread = unreadWrites("postgres", inputs, grants, newBatchId(), () => "$2");
  // PostgreSQL runs the WITH queries the final SELECT reads in the order it reads them, and the others
  // after it. The first rows read count the deliveries', days' and sources' writes, then the
  // contributors', so that rows are locked in the order of a batch stored in a transaction
  // (deliveries, days, sources, contributors, users, the repo, then the log and the repo's counters):
  // a batch of either kind waits for the other rather than deadlocking with it.
  const returningOne = (statements: Statement[]) =>
    statements.map((st) => ({ text: `${st.text} RETURNING 1`, params: st.params }));
  // On PostgreSQL each of these is one statement (or none, for no rows).
  const { withs, params, firstParam } = withParts([
    ["d", returningOne(unread.deliveries)[0]],
    ["cd", returningOne(unread.days[0] ?? []).map((st) => ({ text: st.text, params: [...st.params, cap] }))[0]],
    ["fs", returningOne(unread.sources)[0]],
    ["c", counters.contributors[0]],
    ["u", counters.users[0]],
    ["f", counters.feedings[0]],
    ["rf", counters.repoFoods[0]],
    ["rd", counters.repoDays[0]],
  ]);
  const repos = [...reposOf(inputs).values()].sort((a, b) => a.id - b.id);
  const refresh = repoRefreshRows(repos, now, newBadgeToken);
  const repoRows = repos.map((r, i) => {
    const delta = totals.repos.get(r.id);
    return [
      ...(refresh[i] ?? []),
      (delta?.foods ?? 0) * XP_PER_FOOD,
      delta?.foods ?? 0,
      delta ? delta.at : null,
      delta?.display ? JSON.stringify(delta.display) : null,
    ];
  });
  const columns = [...REPO_REFRESH_COLUMNS, "xp", "foods", "last_fed_at", "display"];
  params.push(jsonRows(columns, repoRows));
  const contributorsParam = firstParam.get("c");
  // The contributors the batch gave their first XP (see repoCounters): those of its contributors'
  // upsert whose XP after is the batch's, by repo. Uncorrelated, so that it is one hash join.
  if (contributorsParam !== undefined) {
    withs.push(`n AS MATERIALIZED (SELECT c.repo_id, COUNT(*) AS count FROM c
      JOIN json_populate_recordset(NULL::contributors, $${contributorsParam}::json) fed
        ON fed.repo_id = c.repo_id AND fed.login_key = c.login_key
      WHERE c.opted_out = 0 AND c.xp = fed.xp GROUP BY c.repo_id)`);
  }
  const newContributors =
    contributorsParam === undefined ? "0" : "COALESCE((SELECT n.count FROM n WHERE n.repo_id = v.id), 0)";
  withs.push(`r AS (
    INSERT INTO repos (${columns.join(", ")}, contributor_count)
    SELECT ${columns.map((c) => `v.${c}`).join(", ")}, ${newContributors}
    FROM json_populate_recordset(NULL::repos, $${params.length}::json) v
    ON CONFLICT (id) DO UPDATE SET ${repoRefresh()},
      xp = repos.xp + excluded.xp, foods = repos.foods + excluded.foods,
      last_fed_at = COALESCE(excluded.last_fed_at, repos.last_fed_at), display = COALESCE(excluded.display, repos.display),
      contributor_count = repos.contributor_count + excluded.contributor_count, previous_fed_at = repos.last_fed_at
    RETURNING id, xp, previous_fed_at)`);
  const first = ["d", "cd", "fs", "c"].filter((name) => firstParam.has(name));
  const selects = [
    `SELECT 2 AS part, NULL AS key, ${first.map((name) => `(SELECT COUNT(*) FROM ${name})`).join(" + ") || "0"} AS xp, NULL::BIGINT AS fed`,
    ...(firstParam.has("u") ? ["SELECT 0 AS part, login_key AS key, xp, NULL::BIGINT AS fed FROM u"] : []),
    "SELECT 1 AS part, CAST(id AS TEXT) AS key, xp, previous_fed_at AS fed FROM r",
  ];
  let rows: { part: number; key: string; xp: number | string; fed: number | string | null }[];
  try {
    rows = await db.query(`WITH ${withs.join(",\n")} ${selects.join(" UNION ALL ")}`, params);
  } catch (err) {
    if (needsReads(err))
      throw new BatchNeedsReads("a delivery, a source, a day's cap or a name needs reading", { cause: err });
    throw err;
  }
  const userRows = rows.filter((r) => r.part === 0).map((r) => ({ login_key: r.key, xp: r.xp }));
  const before = rows
    .filter((r) => r.part === 1)
    .map((r) => {
      const id = Number(r.key);
      return {
        id,
        xp: Number(r.xp) - (totals.repos.get(id)?.foods ?? 0) * XP_PER_FOOD,
        last_fed_at: r.fed,
      };
    });
  return outcomesOf(
    inputs,
    inputs.map(() => true),
    grants,
    totals,
    userRows,
    before,
  );
}

/** Whether every delivery of the batch names the same daily cap (feedBatchInOneStatement's case). */
export function oneDailyCap(inputs: readonly FeedInput[]): boolean {
  return inputs.every((input) => input.dailyCap === inputs[0]?.dailyCap);
}
