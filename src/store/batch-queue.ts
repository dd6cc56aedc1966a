import { ANSWER_WITHIN_MS, RetryLaterError } from "../retry-later.js";
import { isUnreachable } from "./unreachable.js";

interface Waiting<I, O> {
  item: I;
  /** When the call was queued (performance.now()). */
  since: number;
  /** When the call must have its answer (performance.now()); see answerWithinMs. */
  answerBy: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * A call that waited too long for its turn: the database is too slow to keep up (a stalled batch,
 * a lock held elsewhere). The call did not reach the database (a feeding: nothing of it was stored);
 * the delivery is answered with 503, so GitHub shows it as failed and it can be redelivered.
 */
export class StoreBusyError extends RetryLaterError {
  override name = "StoreBusyError";
}

/**
 * Gathers the calls that arrive while a batch is being run and runs them together as the next batch,
 * so a burst of deliveries costs one transaction or one query (on PostgreSQL, a handful of round
 * trips) instead of one each. A call resolves only once its batch has finished (for writes: has
 * committed). When a batch fails for a reason other than an unreachable database, its items are
 * retried one by one, so one bad input fails alone. With `inFlight` above 1, that many batches may be
 * stored at once, each gathering what arrived while the others were being stored.
 */
export class BatchQueue<I, O> {
  readonly #waiting: Waiting<I, O>[] = [];
  /** Batches being gathered or stored (at most inFlight). */
  #running = 0;
  /** One timer for the waiting call due first, so calls stuck behind a stalled batch fail on time. */
  #sweeper: NodeJS.Timeout | null = null;
  #sweepAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly store: (items: I[]) => Promise<O[]>,
    private readonly opts: {
      maxBatch?: number;
      /** Longest a batch waits for more calls while they keep arriving (default 2 ms; see #gather). */
      gatherMs?: number;
      /**
       * How many batches may be stored at once (default 1). More than one lets a batch go to a remote
       * database while the one before waits for its answer; calls still each wait for their own batch.
       */
      inFlight?: number;
      /**
       * Longest a call may wait for its batch to start (default 5 s) before it fails with
       * StoreBusyError: a webhook then gets a 503 well within GitHub's 10 s, instead of waiting
       * behind a stalled database until Probot answers "still processing".
       */
      maxWaitMs?: number;
      /**
       * Longest a call may wait for its answer in all (default ANSWER_WITHIN_MS, 8 s), after which it
       * fails with StoreBusyError. Its batch may still commit; a redelivery then changes nothing.
       */
      answerWithinMs?: number;
      /** Told each batch's size and how long storing it took (failed batches too), for metrics. */
      onBatch?: (size: number, seconds: number) => void;
    } = {},
  ) {}

  /**
   * Queues `item`; `answerWithinMs` overrides the queue's for this call, e.g. with what is left of a
   * webhook's time after it waited for something else.
   */
  add(item: I, opts: { answerWithinMs?: number } = {}): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const since = performance.now();
      const answerBy = since + (opts.answerWithinMs ?? this.opts.answerWithinMs ?? ANSWER_WITHIN_MS);
      const waiting = { item, since, answerBy, resolve, reject };
      this.#waiting.push(waiting);
      this.#scheduleSweep(this.#dueAt(waiting));
      if (this.#running >= (this.opts.inFlight ?? 1)) return;
      this.#running++;
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
    this.#running--;
  }

  /**
   * Fails the calls of a running batch that reach their answerBy before it settles (one timer per
   * batch, for the call due first). Returns the function that stops watching.
   */
  #watchDeadlines(batch: Waiting<I, O>[]): () => void {
    let timer: NodeJS.Timeout | null = null;
    let pending = batch;
    const watch = () => {
      if (pending.length === 0) return;
      const first = Math.min(...pending.map((w) => w.answerBy));
      timer = setTimeout(
        () => {
          const now = performance.now();
          for (const w of pending) {
            if (w.answerBy > now) continue;
            w.reject(
              new StoreBusyError(
                `the database did not confirm the write within ${Math.round(now - w.since)} ms; ` +
                  "it may still be stored, and a redelivery changes nothing",
              ),
            );
          }
          pending = pending.filter((w) => w.answerBy > now);
          watch();
        },
        Math.max(0, first - performance.now()) + 1,
      );
      timer.unref();
    };
    watch();
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

  /** When a call gives up waiting for its turn: after maxWaitMs, or at its answerBy if that is sooner. */
  #dueAt(w: Waiting<I, O>): number {
    return Math.min(w.since + this.#maxWait, w.answerBy);
  }

  /** Sweeps the queue at `at`, unless a sweep is due sooner already. */
  #scheduleSweep(at: number): void {
    if (at >= this.#sweepAt) return;
    if (this.#sweeper) clearTimeout(this.#sweeper);
    this.#sweepAt = at;
    this.#sweeper = setTimeout(
      () => {
        this.#sweeper = null;
        this.#sweepAt = Number.POSITIVE_INFINITY;
        const kept = this.#notExpired(this.#waiting);
        if (kept.length < this.#waiting.length) this.#waiting.splice(0, this.#waiting.length, ...kept);
        const next = this.#waiting.reduce((soonest, w) => Math.min(soonest, this.#dueAt(w)), Number.POSITIVE_INFINITY);
        if (Number.isFinite(next)) this.#scheduleSweep(next);
      },
      Math.max(0, at - performance.now()) + 1,
    );
    this.#sweeper.unref();
  }

  /** Fails the calls that are past their due time (see #dueAt), and returns the others. */
  #notExpired(batch: Waiting<I, O>[]): Waiting<I, O>[] {
    const now = performance.now();
    return batch.filter((w) => {
      if (this.#dueAt(w) >= now) return true;
      w.reject(new StoreBusyError(`the database is too slow: gave up after waiting ${Math.round(now - w.since)} ms`));
      return false;
    });
  }

  async #settle(batch: Waiting<I, O>[]): Promise<void> {
    const out = await this.store(batch.map((w) => w.item));
    if (out.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${out.length} results`);
    for (const [i, w] of batch.entries()) w.resolve(out[i] as O);
  }
}
