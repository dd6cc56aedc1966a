import { isUnreachable } from "./unreachable.js";

interface Waiting<I, O> {
  item: I;
  /** When the call was queued (performance.now()). */
  since: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * A call that waited too long for its turn: the database is too slow to keep up (a stalled batch,
 * a lock held elsewhere). The call did not reach the database (a feeding: nothing of it was stored);
 * the delivery is answered with 503, so GitHub shows it as failed and it can be redelivered.
 */
export class StoreBusyError extends Error {
  override name = "StoreBusyError";
  /** What the webhook answers (Probot's middleware takes a handler error's `status`): try again later. */
  readonly status = 503;
}

/**
 * Gathers the calls that arrive while a batch is being run and runs them together as the next batch,
 * so a burst of deliveries costs one transaction or one query (on PostgreSQL, a handful of round
 * trips) instead of one each. A call resolves only once its batch has finished (for writes: has
 * committed). When a batch fails for a reason other than an unreachable database, its items are
 * retried one by one, so one bad input fails alone.
 */
export class BatchQueue<I, O> {
  readonly #waiting: Waiting<I, O>[] = [];
  #running = false;
  /** One timer for the oldest waiting call, so calls stuck behind a stalled batch fail on time. */
  #sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: (items: I[]) => Promise<O[]>,
    private readonly opts: {
      maxBatch?: number;
      /** Longest a batch waits for more calls while they keep arriving (default 2 ms; see #gather). */
      gatherMs?: number;
      /**
       * Longest a call may wait for its batch to start (default 5 s) before it fails with
       * StoreBusyError: a webhook then gets a 503 well within GitHub's 10 s, instead of waiting
       * behind a stalled database until Probot answers "still processing".
       */
      maxWaitMs?: number;
      /**
       * Longest a call may wait for its answer in all (default 8 s). Probot answers a webhook
       * `202 still processing` after 9 s, which GitHub counts as delivered: a feeding the database has
       * not confirmed by then must fail with StoreBusyError (503) instead. Its batch may still commit;
       * a redelivery then changes nothing.
       */
      answerWithinMs?: number;
      /** Told each batch's size and how long storing it took (failed batches too), for metrics. */
      onBatch?: (size: number, seconds: number) => void;
    } = {},
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, since: performance.now(), resolve, reject });
      this.#scheduleSweep();
      if (this.#running) return;
      this.#running = true;
      // Start on the next turn of the event loop, so that the requests that arrived together are in
      // the first batch together.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      await this.#gather();
      const batch = this.#notExpired(this.#waiting.splice(0, this.#maxBatch));
      if (batch.length === 0) continue;
      const started = performance.now();
      const stopWatch = this.#watchDeadlines(batch);
      try {
        await this.#settle(batch);
        this.opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
      } catch (err) {
        this.opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
        if (batch.length === 1 || isUnreachable(err)) {
          for (const w of batch) w.reject(err);
          continue;
        }
        for (const w of this.#notExpired(batch)) await this.#settle([w]).catch(w.reject);
      } finally {
        stopWatch();
      }
    }
    this.#running = false;
  }

  /**
   * Fails the calls of a running batch that reach `answerWithinMs` before it settles (one timer per
   * batch, for its oldest call first). Returns the function that stops watching.
   */
  #watchDeadlines(batch: Waiting<I, O>[]): () => void {
    const within = this.opts.answerWithinMs ?? 8000;
    let timer: NodeJS.Timeout | null = null;
    const watch = (from: number) => {
      const next = batch.slice(from);
      const oldest = next[0];
      if (!oldest) return;
      timer = setTimeout(
        () => {
          const now = performance.now();
          const late = next.filter((w) => now - w.since >= within);
          for (const w of late) {
            w.reject(
              new StoreBusyError(
                `the database did not confirm the write within ${Math.round(now - w.since)} ms; ` +
                  "it may still be stored, and a redelivery changes nothing",
              ),
            );
          }
          watch(from + late.length);
        },
        Math.max(0, oldest.since + within - performance.now()) + 1,
      );
      timer.unref();
    };
    watch(0);
    return () => {
      if (timer) clearTimeout(timer);
    };
  }

  /**
   * Waits while calls keep arriving, one turn of the event loop at a time, for at most `gatherMs`.
   * Under load, requests that are still on their way (signature check, handlers) then join this batch
   * instead of starting the next one: at full speed the feeding batches doubled in size (about 10 to
   * about 20 of 32 requests in flight), and a batch's fixed cost (its commit, a dozen statements) was
   * about half of what storing a delivery cost in batches of 10. A lone call waits one turn.
   */
  async #gather(): Promise<void> {
    const until = performance.now() + (this.opts.gatherMs ?? 2);
    let seen = 0;
    while (this.#waiting.length > seen && this.#waiting.length < this.#maxBatch && performance.now() < until) {
      seen = this.#waiting.length;
      await new Promise<void>((turn) => setImmediate(turn));
    }
  }

  get #maxBatch(): number {
    return this.opts.maxBatch ?? 64;
  }

  get #maxWait(): number {
    return this.opts.maxWaitMs ?? 5000;
  }

  #scheduleSweep(): void {
    const oldest = this.#waiting[0];
    if (this.#sweeper || !oldest) return;
    const due = oldest.since + this.#maxWait - performance.now();
    this.#sweeper = setTimeout(() => {
      this.#sweeper = null;
      // The queue is first in, first out: the calls that waited too long are at its head.
      const expired: Waiting<I, O>[] = [];
      while (this.#waiting[0] && performance.now() - this.#waiting[0].since > this.#maxWait) {
        expired.push(this.#waiting.shift() as Waiting<I, O>);
      }
      this.#notExpired(expired);
      this.#scheduleSweep();
    }, Math.max(0, due) + 1);
    this.#sweeper.unref();
  }

  /** Fails the calls that waited longer than maxWaitMs, and returns the others. */
  #notExpired(batch: Waiting<I, O>[]): Waiting<I, O>[] {
    const maxWait = this.#maxWait;
    const now = performance.now();
    return batch.filter((w) => {
      const waited = now - w.since;
      if (waited <= maxWait) return true;
      w.reject(new StoreBusyError(`the database is too slow: gave up after waiting ${Math.round(waited)} ms`));
      return false;
    });
  }

  async #settle(batch: Waiting<I, O>[]): Promise<void> {
    const out = await this.store(batch.map((w) => w.item));
    if (out.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${out.length} results`);
    for (const [i, w] of batch.entries()) w.resolve(out[i] as O);
  }
}
