import type { Logger } from "pino";
import type { Db } from "./db.js";
import { knownDeliveriesOf } from "./known-deliveries.js";
import { DAY_MS, startPeriodicSweep } from "./periodic-sweep.js";

/**
 * Ids looked at per step, in key order: each step is two short statements (on SQLite they run on the
 * App's thread, the second holding the writer), however the old ids are spread among the kept ones.
 */
const WINDOW = 5000;

/**
 * Forgets the ids of deliveries received before `before` (epoch ms), stepping through the table in
 * key order (SQLite's log: arrival order) a window at a time, and returns how many; SQLite's ids
 * held in memory are forgotten with them. A delivery id only guards against GitHub
 * sending the same delivery again, which it does within days (its redeliveries go back three); what
 * a delivery fed is also keyed by its source (commit, issue, PR, review: `fed_sources`, kept for
 * good), so a delivery redelivered after its id was forgotten still feeds nothing twice.
 */
export async function forgetDeliveries(
  db: Db,
  before: number,
  opts: { window?: number; stopped?: () => boolean } = {},
): Promise<number> {
  const window = Math.max(1, Math.trunc(opts.window ?? WINDOW));
  // SQLite's log is stepped through in arrival order (its `seq`), PostgreSQL's table in id order.
  const known = knownDeliveriesOf(db);
  const key = known ? "seq" : "id";
  let forgotten = 0;
  let after: string | number = known ? 0 : "";
  while (!opts.stopped?.()) {
    // The last key of the next window (PostgreSQL's ids are random, so old and kept ones are
    // interleaved; SQLite's log has them mostly in order, but a clock may have stepped back).
    const [edge] = await db.query<{ last: string | number | null }>(
      `SELECT MAX(${key}) AS last FROM (SELECT ${key} FROM deliveries WHERE ${key} > $1 ORDER BY ${key} LIMIT ${window}) w`,
      [after],
    );
    const last = edge?.last ?? null;
    if (last === null) break;
    const rows = await db.query<{ id: string }>(
      `DELETE FROM deliveries WHERE ${key} > $1 AND ${key} <= $2 AND received_at < $3 RETURNING id`,
      [after, last, before],
    );
    known?.forget(rows.map((r) => r.id));
    forgotten += rows.length;
    after = last;
    // Webhooks that arrived meanwhile go first.
    await new Promise<void>((turn) => setImmediate(turn));
  }
  return forgotten;
}

/**
 * Forgets delivery ids older than `days`, a minute or two after start and then about every six hours
 * (`everyMs`). Replicas on one database each do it, at times spread apart at random so that they
 * rarely sweep at once; ids another replica forgot first are simply gone.
 */
export function startDeliveryRetention(opts: {
  db: Db;
  days: number;
  log: Logger;
  now?: () => Date;
  firstAfterMs?: number;
  everyMs?: number;
}): { stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  return startPeriodicSweep({
    firstAfterMs: opts.firstAfterMs,
    everyMs: opts.everyMs,
    sweep: async (stopped) => {
      const before = now().getTime() - opts.days * DAY_MS;
      try {
        const forgotten = await forgetDeliveries(opts.db, before, { stopped });
        if (forgotten > 0)
          opts.log.info({ forgotten, days: opts.days }, "forgot delivery ids older than the retention");
      } catch (err) {
        opts.log.warn(
          { err },
          "could not forget old delivery ids (DELIVERY_RETENTION_DAYS); the next sweep tries again, nothing else is affected",
        );
      }
    },
  });
}
