/**
 * At most `max` commands per user per repository in `windowMs`: `/dash` replies are comments, and a
 * loop of commands must not turn Dash into a spam bot. Over the limit, commands are ignored quietly
 * (replying would be the spam). In memory: each process limits on its own.
 */
export class CommandRateLimit {
  readonly #hits = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(opts: { max?: number; windowMs?: number; now?: () => number; maxKeys?: number } = {}) {
    this.#max = opts.max ?? 5;
    this.#windowMs = opts.windowMs ?? 10 * 60_000;
    this.#now = opts.now ?? Date.now;
    this.#maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Counts one command by `login` in `repoId`; false when over the limit. */
  allow(repoId: number, login: string): boolean {
    const key = `${repoId}:${login.toLowerCase()}`;
    const now = this.#now();
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (recent.length >= this.#max) {
      this.#hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#hits.delete(key);
    this.#hits.set(key, recent);
    if (this.#hits.size > this.#maxKeys) {
      const oldest = this.#hits.keys().next().value;
      if (oldest !== undefined) this.#hits.delete(oldest);
    }
    return true;
  }
}
