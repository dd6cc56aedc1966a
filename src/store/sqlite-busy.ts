const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (only at start-up: a constructor cannot await). */
const sleep = (ms: number) => void Atomics.wait(pause, 0, 0, ms);

/**
 * Runs `fn`, retrying it while SQLite answers SQLITE_BUSY, for at most `forMs`. SQLite's busy
 * handler does not cover every case: when processes open a new database file at the same instant,
 * switching it to WAL can fail at once (waiting would deadlock two connections that each hold a read
 * lock). Retrying after a short pause lets one of them finish; any other error is thrown at once.
 */
export function retryWhileBusy<T>(fn: () => T, opts: { forMs: number; pauseMs?: (attempt: number) => number }): T {
  const until = Date.now() + opts.forMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() >= until) throw err;
      sleep(opts.pauseMs?.(attempt) ?? Math.min(5 * attempt, 50));
    }
  }
}
