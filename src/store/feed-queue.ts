import { isUnreachable } from "./unreachable.js";

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * Gathers the calls that arrive while a batch is being stored and stores them together as the next
 * batch, so a burst of deliveries costs one transaction (and on PostgreSQL a dozen round trips)
 * instead of one each. A call resolves only once its batch has committed. When a batch fails for a
 * reason other than an unreachable database, its items are retried one by one, so one bad input
 * fails alone.
 */
export class BatchQueue<I, O> {
  readonly #waiting: Waiting<I, O>[] = [];
  #running = false;

  constructor(
    private readonly store: (items: I[]) => Promise<O[]>,
    private readonly opts: {
      maxBatch?: number;
      /** Told each batch's size and how long storing it took (failed batches too), for metrics. */
      onBatch?: (size: number, seconds: number) => void;
    } = {},
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#running) return;
      this.#running = true;
      // Start on the next turn of the event loop, so that the requests that arrived together are in
      // the first batch together.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.opts.maxBatch ?? 64);
      const started = performance.now();
      try {
        await this.#settle(batch);
        this.opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
      } catch (err) {
        this.opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
        if (batch.length === 1 || isUnreachable(err)) {
          for (const w of batch) w.reject(err);
          continue;
        }
        for (const w of batch) await this.#settle([w]).catch(w.reject);
      }
    }
    this.#running = false;
  }

  async #settle(batch: Waiting<I, O>[]): Promise<void> {
    const out = await this.store(batch.map((w) => w.item));
    if (out.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${out.length} results`);
    for (const [i, w] of batch.entries()) w.resolve(out[i] as O);
  }
}
