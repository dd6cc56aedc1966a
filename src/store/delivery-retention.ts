import type { Logger } from "pino";
import type { Db } from "./db.js";

const DAY_MS = 24 * 3600 * 1000;
/** `ms`, give or take a third, at random. */
const jitter = (ms: number) => Math.round(ms * (2 / 3 + (2 / 3) * Math.random()));
/** Rows forgotten per statement: each is a short transaction, so feedings wait for none of them long. */
const CHUNK = 2000;

/**
 * Forgets the ids of deliveries received before `before` (epoch ms), a chunk at a time, and returns
 * how many. A delivery id only guards against GitHub sending the same delivery again, which it does
 * within days (its redeliveries go back three); what a delivery fed is also keyed by its source
 * (commit, issue, PR, review: `fed_sources`, kept for good), so a delivery redelivered after its id
 * was forgotten still feeds nothing twice.
 */
export async function forgetDeliveries(
  db: Db,
  before: number,
  opts: { chunk?: number; stopped?: () => boolean } = {},
): Promise<number> {
  const chunk = Math.max(1, Math.trunc(opts.chunk ?? CHUNK));
  let forgotten = 0;
  // Chunks go through the ids in key order, each from where the last stopped, so a sweep reads the
  // table once however many chunks it takes (ids are random: old and kept rows are interleaved).
  let after = "";
  while (!opts.stopped?.()) {
    const rows = await db.query<{ id: string }>(
      `DELETE FROM deliveries WHERE id IN (
         SELECT id FROM deliveries WHERE id > $1 AND received_at < $2 ORDER BY id LIMIT ${chunk}
       ) RETURNING id`,
      [after, before],
    );
    forgotten += rows.length;
    if (rows.length < chunk) break;
    // Both stores compare these keys byte by byte, as JavaScript does for their ASCII.
    for (const { id } of rows) if (id > after) after = id;
    // Webhooks that arrived meanwhile go first.
    await new Promise<void>((turn) => setImmediate(turn));
  }
  return forgotten;
}

/**
 * Forgets delivery ids older than `days`, a minute or two after start and then about every six hours
 * (`everyMs`). Replicas on one database each do it, at times spread apart at random so that they
 * rarely sweep at once; a chunk another replica forgot first is simply gone.
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
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().finally(() => schedule(opts.everyMs ?? jitter(6 * 3600 * 1000)));
    }, ms);
    timer.unref();
  };
  const sweep = async () => {
    const before = now().getTime() - opts.days * DAY_MS;
    try {
      const forgotten = await forgetDeliveries(opts.db, before, { stopped: () => stopped });
      if (forgotten > 0) opts.log.info({ forgotten, days: opts.days }, "forgot delivery ids older than the retention");
    } catch (err) {
      opts.log.warn(
        { err },
        "could not forget old delivery ids (DELIVERY_RETENTION_DAYS); the next sweep tries again, nothing else is affected",
      );
    }
  };
  schedule(opts.firstAfterMs ?? jitter(90_000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
