import type { Db, Sql, Statement } from "./db.js";
import {
  batchTotals,
  byContributor,
  dayRowKey,
  firstCopies,
  type Grant,
  grantFoods,
  newBatchId,
  reposOf,
  sourceKey,
  total,
} from "./feed-batch.js";
import { feedBatchInOneStatement, oneDailyCap } from "./feed-in-one-statement.js";
import { BatchNeedsReads, needsReads } from "./feed-needs-reads.js";
import { type FullDays, fullDaysOf } from "./full-days.js";
import { type KnownDeliveries, knownDeliveriesOf } from "./known-deliveries.js";
import { type CounterRows, counterPhases, feedBatch, outcomesOf, repoStatements, unreadWrites } from "./sql-feed.js";
import { runPhases } from "./sql-rows.js";
import type { FeedInput, FeedOutcome } from "./store.js";

/**
 * Stores a batch of deliveries. It first tries the usual case without reading: every delivery and
 * every source (commit, review …) new, and no contributor at the daily cap. Those assumptions are
 * checked by the database as it writes (a delivery or a source stored before is a duplicate key, a
 * day over the cap a refused row), and the transaction rolls back if one does not hold; the batch
 * is then stored the careful way, reading first (feedBatch), with the outcomes that way gives. On
 * PostgreSQL that saves a round trip; on both stores, writing each contributor's day row twice
 * (once to lock and read it, once to set it) and looking up each source's delivery. PostgreSQL
 * stores such a batch in a single statement, without a transaction around it, when its days share
 * one daily cap (feedBatchInOneStatement); SQLite, and PostgreSQL otherwise, in a transaction.
 */
export async function storeBatch(
  db: Db,
  inputs: readonly FeedInput[],
  newBadgeToken: () => string,
): Promise<FeedOutcome[]> {
  const known = knownDeliveriesOf(db);
  const full = fullDaysOf(db);
  const grants = grantsWithoutReads(inputs, full);
  if (grants) {
    try {
      if (db.dialect === "postgres" && oneDailyCap(inputs)) {
        return await feedBatchInOneStatement(db, inputs, grants, newBadgeToken);
      }
      return await db.transaction((tx) => feedBatchAtOnce(tx, inputs, grants, newBadgeToken, known));
    } catch (err) {
      if (!(err instanceof BatchNeedsReads)) throw err;
    }
  }
  const dayFoods = new Map<string, number>();
  const outcomes = await db.transaction((tx) => feedBatch(tx, inputs, newBadgeToken, known, dayFoods));
  // Committed: the days it filled stay full (see FullDays).
  full.noteCommitted(inputs, dayFoods);
  return outcomes;
}

/**
 * The grants of a batch stored without reading first, or null when it must read: a delivery id or a
 * source repeated within the batch, a contributor-day whose deliveries name different caps, or
 * foods in the batch alone beyond a contributor's cap. Whether the database had any of them before
 * is for it to say (see feedBatchAtOnce). A day that `full` knows to be at its cap gets nothing,
 * which is what reading it would give.
 */
export function grantsWithoutReads(inputs: readonly FeedInput[], full: FullDays | null = null): Grant[][] | null {
  const firsts = firstCopies(inputs);
  if (firsts.some((first) => !first)) return null;
  const sources = new Set<string>();
  const caps = new Map<string, number>();
  /** The foods each day had before the batch, as far as it can tell: the full days' caps. */
  const dayFoods = new Map<string, number>();
  let requested = 0;
  // Each delivery's feedings by contributor, worked out once for the cap check and the grants.
  const groups = inputs.map(byContributor);
  for (const [i, input] of inputs.entries()) {
    for (const f of input.feedings) {
      const key = sourceKey(input.repo.id, f.sourceKey);
      if (sources.has(key)) return null;
      sources.add(key);
    }
    for (const [loginKey, feedings] of groups[i] ?? []) {
      const day = dayRowKey(input.repo.id, loginKey, input.day);
      if ((caps.get(day) ?? input.dailyCap) !== input.dailyCap) return null;
      caps.set(day, input.dailyCap);
      if (full?.isFull(day, input.dailyCap)) dayFoods.set(day, input.dailyCap);
      else requested += total(feedings);
    }
  }
  // Every delivery new and every source new, the other days' foods before the batch counted as none:
  // what the batch grants then, if it grants everything it asks for.
  const grants = grantFoods(inputs, firsts, sources, dayFoods, groups);
  const granted = grants.flat().reduce((n, g) => n + g.foods, 0);
  return granted === requested ? grants : null;
}

/**
 * The batch without reads (on PostgreSQL one round trip: BEGIN, five statements and COMMIT in one
 * write), assuming what
 * grantsWithoutReads could not check: the deliveries and sources are new to the database (plain
 * inserts, which a stored one fails) and each contributor's day stays within its cap (the day row
 * adds the batch's foods, or turns NULL, which its NOT NULL refuses). The statements and their
 * order are feedBatch's, less its reads, so both lock rows in the same order.
 */
export async function feedBatchAtOnce(
  tx: Sql,
  inputs: readonly FeedInput[],
  grants: Grant[][],
  newBadgeToken: () => string,
  /** SQLite's delivery ids (knownDeliveriesOf); null on PostgreSQL. */
  known: KnownDeliveries | null,
): Promise<FeedOutcome[]> {
  if (known) {
    // SQLite's log (no index to refuse a stored id): asked before anything is written.
    const fresh = await known.fresh(tx, inputs);
    if (!fresh.every(Boolean)) throw new BatchNeedsReads("a delivery was stored before");
    await known.record(tx, inputs, fresh);
  }
  const now = Math.max(...inputs.map((i) => i.at.getTime()));
  const totals = batchTotals(inputs, grants);
  const repos = repoStatements(tx.dialect, [...reposOf(inputs).values()], now, newBadgeToken);
  const counters = counterPhases(tx.dialect, totals, repos.upsert, []);
  const unread = unreadWrites(tx.dialect, inputs, grants, newBatchId());
  const phases: Statement[][][] = [
    ...(known ? [] : [[unread.deliveries]]),
    [...unread.days, unread.sources, repos.rename],
    ...counters,
  ];
  let results: Record<string, unknown>[][][];
  try {
    results = await runPhases(tx, phases, { last: true });
  } catch (err) {
    if (needsReads(err)) throw new BatchNeedsReads("a delivery, a source or a day's cap needs reading", { cause: err });
    throw err;
  }
  const [, userRows = [], repoRows = []] = (results[phases.length - counters.length] ?? []) as CounterRows[0];
  return outcomesOf(
    inputs,
    inputs.map(() => true),
    grants,
    totals,
    userRows,
    repoRows,
  );
}
