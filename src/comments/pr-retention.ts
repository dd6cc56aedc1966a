import type { Logger } from "pino";
import type { CommentStore } from "../store/comment-store.js";
import { DAY_MS, jitter, startPeriodicSweep } from "../store/periodic-sweep.js";

/** PRs forgotten per transaction: short enough that webhooks never wait long behind one. */
const STEP = 500;

/**
 * Forgets PRs closed and untouched for `days` (their rows and tallies; see forgetClosedPrs), a few
 * minutes after start and then about every six hours, `STEP` PRs per transaction. Without it the PR
 * tables would grow by every PR a repo ever had; open PRs are kept however old.
 */
export function startPrRetention(opts: {
  comments: CommentStore;
  days: number;
  log: Logger;
  now?: () => Date;
  firstAfterMs?: number;
  everyMs?: number;
  step?: number;
}): { stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const step = Math.max(1, Math.trunc(opts.step ?? STEP));
  return startPeriodicSweep({
    firstAfterMs: opts.firstAfterMs ?? jitter(240_000),
    everyMs: opts.everyMs,
    sweep: async (stopped) => {
      let forgotten = 0;
      try {
        for (let n = step; n === step && !stopped(); ) {
          const at = now().getTime();
          n = await opts.comments.forgetClosedPrs({ before: at - opts.days * DAY_MS, now: at, limit: step });
          forgotten += n;
          // Webhooks that arrived meanwhile go first.
          await new Promise<void>((turn) => setImmediate(turn));
        }
        if (forgotten > 0) opts.log.info({ forgotten, days: opts.days }, "forgot PRs closed longer than the retention");
      } catch (err) {
        opts.log.warn(
          { err, forgotten },
          "could not forget old closed PRs (PR_RETENTION_DAYS); the next sweep tries again, nothing else is affected",
        );
      }
    },
  });
}
