import { Worker } from "node:worker_threads";

export interface CheckpointerOptions {
  /** How long after a write the checkpoint runs, so a burst of commits is copied in one go. */
  delayMs?: number;
  /** WAL frames (pages) past which the checkpointer makes the WAL start over (default 4096, 16 MiB). */
  restartFrames?: number;
  /** Told what each checkpoint did (SQLite's `log`, `checkpointed` and `busy` columns). */
  onCheckpoint?: (result: { log: number; checkpointed: number; busy: number }) => void;
  /** The worker failed: the connection must checkpoint by itself again. */
  onFailure: (err: Error) => void;
  /** The worker's script (tests pass one that fails). */
  workerUrl?: URL;
}

/**
 * WAL checkpoints on a worker thread. SQLite normally checkpoints inside the COMMIT that fills the WAL
 * past 1,000 pages, on the writer's thread, and that checkpoint's fsyncs are most of what a commit
 * costs on a real disk (measured: about half of each feeding batch's time). The App's connection
 * nudges this worker after it writes, and the worker checkpoints on its own connection. Nothing runs
 * while no one writes.
 *
 * The connection keeps SQLite's own checkpoint as a safety net, at `safetyNetFrames`: should writes
 * outpace the worker, commits checkpoint by themselves again, which slows the writers down as SQLite
 * always does, rather than let the WAL grow without bound.
 */
export class Checkpointer {
  readonly #worker: Worker;
  /** Shared with the worker: 1 while a checkpoint is due, so a burst of commits sends one message. */
  readonly #due = new Int32Array(new SharedArrayBuffer(4));
  #stopped = false;
  readonly #exited: Promise<void>;
  /** The `wal_autocheckpoint` for the App's connection while the worker runs. */
  readonly safetyNetFrames: number;

  constructor(file: string, opts: CheckpointerOptions) {
    const restartFrames = opts.restartFrames ?? 4096;
    this.safetyNetFrames = restartFrames * 4;
    this.#worker = new Worker(opts.workerUrl ?? new URL("./sqlite-checkpoint-worker.mjs", import.meta.url), {
      workerData: { file, due: this.#due, delayMs: opts.delayMs ?? 100, restartFrames },
    });
    // A worker must not keep the process alive; close() stops it properly.
    this.#worker.unref();
    this.#worker.on("message", (message: { log: number; checkpointed: number; busy: number }) =>
      opts.onCheckpoint?.(message),
    );
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.#stopped) return;
      failed = true;
      this.#stopped = true;
      opts.onFailure(err);
    };
    this.#worker.on("error", fail);
    this.#exited = new Promise<void>((done) =>
      this.#worker.once("exit", (code) => {
        fail(new Error(`the checkpoint worker stopped (exit code ${code})`));
        done();
      }),
    );
  }

  /**
   * Something was written: checkpoint soon. The flag is cleared by the worker itself when it starts a
   * checkpoint, so this works even while the App's thread is too busy to read the worker's messages.
   */
  wrote(): void {
    if (this.#stopped || Atomics.exchange(this.#due, 0, 1) === 1) return;
    this.#worker.postMessage("wrote");
  }

  /** Stops the worker and closes its connection; the App's connection checkpoints as it closes. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      // Referenced again so the process waits for the worker's exit instead of ending under it.
      this.#worker.ref();
      this.#worker.postMessage("stop");
    }
    await this.#exited;
  }
}
