/**
 * Work a feature does after a delivery has been answered (a PR comment, a spoken reaction): started
 * at once and not awaited by the delivery, but counted, so that shutdown and tests can wait for it.
 * A task handles its own errors; one that still throws is only forgotten.
 */
export interface AfterAnswer {
  run(task: () => Promise<void>): void;
  /** Resolves once every task started so far, and those they started, has finished. */
  idle(): Promise<void>;
}

export function afterAnswer(): AfterAnswer {
  const pending = new Set<Promise<void>>();
  return {
    run(task) {
      const running: Promise<void> = task()
        .catch(() => undefined)
        .finally(() => pending.delete(running));
      pending.add(running);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
