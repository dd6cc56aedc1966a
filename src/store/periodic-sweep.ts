/** A day in milliseconds: retentions are counted in days. */
export const DAY_MS = 24 * 3600 * 1000;

/** `ms`, give or take a third, at random. */
export const jitter = (ms: number) => Math.round(ms * (2 / 3 + (2 / 3) * Math.random()));

/**
 * Runs `sweep` a while after start (`firstAfterMs`) and then again and again (every `everyMs`, by
 * default about every six hours, drawn anew each time), one run at a time, on timers that never keep
 * the process alive. Replicas on one database each run their own sweeps, at times spread at random by
 * the default delays, so that they rarely sweep at once. `sweep` is told when stop() was called, to
 * end early; it handles its own errors (one that still throws is only forgotten: the next run tries
 * again).
 */
export function startPeriodicSweep(opts: {
  sweep: (stopped: () => boolean) => Promise<void>;
  firstAfterMs?: number;
  everyMs?: number;
}): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = opts
        .sweep(() => stopped)
        .catch(() => undefined)
        .finally(() => schedule(opts.everyMs ?? jitter(6 * 3600 * 1000)));
    }, ms);
    timer.unref();
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
