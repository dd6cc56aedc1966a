import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchQueue, StoreBusyError } from "../../src/store/batch-queue.js";
import { DatabaseUnreachableError } from "../../src/store/unreachable.js";
import { signal } from "../helpers/signal.js";

/**
 * The queue's clock and deadline timers, faked where a test is about deadlines: time then moves only
 * when the test moves it, so a batch always starts before a deadline passes however slow the machine.
 * setImmediate stays real, so batches still start and gather on their own.
 */
const QUEUE_CLOCK: ("setTimeout" | "clearTimeout" | "performance")[] = ["setTimeout", "clearTimeout", "performance"];

describe("BatchQueue", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stores the calls made together as one batch, and later calls as the next", async () => {
    const batches: number[][] = [];
    const queue = new BatchQueue<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 10);
    });
    const first = await Promise.all([1, 2, 3].map((n) => queue.add(n)));
    const second = await queue.add(4);
    expect(first).toEqual([10, 20, 30]);
    expect(second).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("tells each batch's size and duration, failed batches too", async () => {
    const seen: [number, number][] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        if (items.includes(0)) throw new Error("no zeros");
        return items;
      },
      { onBatch: (size, seconds) => seen.push([size, seconds]) },
    );
    await Promise.all([1, 2, 3].map((n) => queue.add(n)));
    await queue.add(0).catch(() => undefined);
    expect(seen.map(([size]) => size)).toEqual([3, 1]);
    expect(seen.every(([, seconds]) => seconds >= 0 && seconds < 5)).toBe(true);
  });

  it("gathers calls that keep arriving turn after turn of the event loop into one batch", async () => {
    const batches: number[][] = [];
    // A gathering window far longer than the test: only the arrivals decide when the batch starts.
    const queue = new BatchQueue<number, number>(
      async (items) => {
        batches.push(items);
        return items;
      },
      { gatherMs: 60_000 },
    );
    const nextTurn = () => new Promise<void>((turn) => setImmediate(turn));
    // As requests do under load: each reaches the queue a turn after the previous one.
    const calls: Promise<number>[] = [];
    for (let n = 1; n <= 4; n++) {
      calls.push(queue.add(n));
      await nextTurn();
    }
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it("stops gathering after gatherMs even while calls keep arriving", async () => {
    const batches: number[][] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        batches.push(items);
        return items;
      },
      { gatherMs: 50, maxBatch: 100_000 },
    );
    let stop = false;
    let n = 0;
    const calls: Promise<number>[] = [];
    const trickle = () => {
      if (stop) return;
      calls.push(queue.add(n++));
      setImmediate(trickle);
    };
    trickle();
    // The first batch runs although the trickle never pauses (without the time limit this would hang).
    await calls[0];
    stop = true;
    await Promise.all(calls);
    expect(batches[0]?.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it("caps a batch at maxBatch items", async () => {
    const sizes: number[] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items;
      },
      { maxBatch: 3 },
    );
    await Promise.all(Array.from({ length: 7 }, (_, i) => queue.add(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it("stores a second batch while the first waits for its answer when inFlight allows, and no more", async () => {
    for (const inFlight of [1, 2]) {
      const started: number[][] = [];
      const release = signal();
      let running = 0;
      let most = 0;
      const queue = new BatchQueue<number, number>(
        async (items) => {
          started.push(items);
          most = Math.max(most, ++running);
          // The first batch is held until the test has queued what comes after it.
          if (items.includes(1)) await release.promise;
          running--;
          return items.map((n) => n * 10);
        },
        { inFlight },
      );
      const first = queue.add(1);
      while (started.length === 0) await new Promise<void>((turn) => setImmediate(turn));
      const later = [2, 3].map((n) => queue.add(n));
      const fourth = queue.add(4);
      // Some turns of the event loop: enough for a second batch to start, if one may.
      for (let turn = 0; turn < 5; turn++) await new Promise<void>((next) => setImmediate(next));
      expect(started).toEqual(inFlight === 1 ? [[1]] : [[1], [2, 3, 4]]);
      release.fire();
      expect(await Promise.all([first, ...later, fourth])).toEqual([10, 20, 30, 40]);
      expect(most).toBe(inFlight);
    }
  });

  it("retries a failed batch one item at a time, so only the bad item fails", async () => {
    const calls: number[][] = [];
    const queue = new BatchQueue<number, number>(async (items) => {
      calls.push(items);
      if (items.includes(13)) throw new Error("13 is refused");
      return items;
    });
    const results = await Promise.allSettled([12, 13, 14].map((n) => queue.add(n)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("13 is refused");
    expect(calls).toEqual([[12, 13, 14], [12], [13], [14]]);
  });

  it("fails the whole batch at once when the database is unreachable (no retry storm)", async () => {
    let calls = 0;
    const queue = new BatchQueue<number, number>(async () => {
      calls++;
      throw new DatabaseUnreachableError("ECONNREFUSED");
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => queue.add(n)));
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof DatabaseUnreachableError)).toBe(true);
    expect(calls).toBe(1);
  });

  it("refuses a store that answers a different number of results than it was given", async () => {
    const queue = new BatchQueue<number, number>(async () => []);
    await expect(queue.add(1)).rejects.toThrow("a batch of 1 returned 0 results");
  });

  /** A queue whose batch holding item 1 is stuck until `stalled` fires; `firstStarted` fires when it starts. */
  function stallingQueue(opts: ConstructorParameters<typeof BatchQueue<number, number>>[1]) {
    const stalled = signal();
    const firstStarted = signal();
    const queue = new BatchQueue<number, number>(async (items) => {
      if (items.includes(1)) {
        firstStarted.fire();
        await stalled.promise;
      }
      return items;
    }, opts);
    return { queue, stalled, firstStarted };
  }

  it("fails calls stuck behind a stalled batch once they have waited maxWaitMs, and carries on after", async () => {
    vi.useFakeTimers({ toFake: QUEUE_CLOCK });
    const { queue, stalled, firstStarted } = stallingQueue({ maxWaitMs: 30 });
    const first = queue.add(1);
    await firstStarted.promise;
    // The first batch is now stuck; the second call waits behind it and gives up on its own.
    const pending = queue.add(2).catch((err: unknown) => err);
    vi.advanceTimersByTime(100);
    const second = await pending;
    expect(second).toBeInstanceOf(StoreBusyError);
    expect((second as Error).message).toMatch(/^the database is too slow: gave up after waiting \d+ ms$/);
    // Probot's webhook middleware answers with a handler error's `status`: "try again later".
    expect((second as StoreBusyError).status).toBe(503);
    stalled.fire();
    expect(await first).toBe(1);
    expect(await queue.add(3)).toBe(3);
  });

  it("fails the calls of a batch the database has not confirmed within answerWithinMs, and carries on after", async () => {
    vi.useFakeTimers({ toFake: QUEUE_CLOCK });
    const stalled = signal();
    const started = signal();
    const stored: number[] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        if (items.includes(1)) {
          started.fire();
          await stalled.promise;
        }
        stored.push(...items);
        return items;
      },
      { answerWithinMs: 40 },
    );
    const pending = queue.add(1).catch((err: unknown) => err);
    await started.promise;
    vi.advanceTimersByTime(100);
    const late = await pending;
    // Answered before Probot's "still processing", although the batch is still running.
    expect(late).toBeInstanceOf(StoreBusyError);
    expect((late as Error).message).toMatch(
      /^the database did not confirm the write within \d+ ms; it may still be stored, and a redelivery changes nothing$/,
    );
    expect(stored).toEqual([]);
    stalled.fire();
    expect(await queue.add(2)).toBe(2);
    // The batch that was given up on still finished (a redelivery of it would change nothing).
    expect(stored).toEqual([1, 2]);
  });

  it("holds a call to its own answerWithinMs, sooner than the queue's, while it waits and while it runs", async () => {
    vi.useFakeTimers({ toFake: QUEUE_CLOCK });
    const { queue, stalled, firstStarted } = stallingQueue({ maxWaitMs: 60_000, answerWithinMs: 60_000 });
    // Running: its batch is stuck, and the call gives up at its own deadline.
    const pendingRunning = queue.add(1, { answerWithinMs: 30 }).catch((err: unknown) => err);
    await firstStarted.promise;
    vi.advanceTimersByTime(100);
    const running = await pendingRunning;
    expect(running).toBeInstanceOf(StoreBusyError);
    expect((running as Error).message).toMatch(/^the database did not confirm the write within \d+ ms/);
    // Waiting behind the stuck batch: it gives up at its deadline, long before maxWaitMs; a call
    // without a deadline of its own keeps waiting.
    const patient = queue.add(3);
    const pendingWaiting = queue.add(2, { answerWithinMs: 30 }).catch((err: unknown) => err);
    vi.advanceTimersByTime(100);
    const waiting = await pendingWaiting;
    expect(waiting).toBeInstanceOf(StoreBusyError);
    expect((waiting as Error).message).toMatch(/^the database is too slow: gave up after waiting \d+ ms$/);
    stalled.fire();
    expect(await patient).toBe(3);
  });
});
