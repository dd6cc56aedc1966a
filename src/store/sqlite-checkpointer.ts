import { Worker } from "node:worker_threads";

export interface CheckpointerOptions {
  /** How long after a write the checkpoint runs, so a burst of commits is copied in one go. */
  delayMs?: number;
  /**
   * WAL frames (pages) past which a commit on the App's connection checkpoints by itself, which lets
   * the WAL start over (default 8192, 32 MiB).
   */
  walFrames?: number;
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
 * nudges this worker after it writes, and the worker copies the WAL into the database on its own
 * connection, without ever making the App's writes wait. Nothing runs while no one writes.
 *
 * SQLite starts the WAL over only after a checkpoint has copied all of it, which a checkpoint running
 * beside a steady stream of commits never quite does. So the App's connection keeps SQLite's own
 * checkpoint, at `walFrames` instead of 1,000: by then the worker has copied nearly everything, the
 * commit's checkpoint only finishes the job (one in hundreds of commits pays its fsyncs), and the WAL
 * starts over. Should writes outpace the worker, that same checkpoint bounds the WAL.
 */
export class Checkpointer {
  readonly #worker: Worker;
  /** Shared with the worker: 1 while a checkpoint is due, so a burst of commits sends one message. */
  readonly #due = new Int32Array(new SharedArrayBuffer(4));
  #stopped = false;
  readonly #exited: Promise<void>;
  /** The `wal_autocheckpoint` for the App's connection while the worker runs. */
  readonly walFrames: number;

  constructor(file: string, opts: CheckpointerOptions) {
    this.walFrames = opts.walFrames ?? 8192;
    this.#worker = new Worker(opts.workerUrl ?? new URL("./sqlite-checkpoint-worker.mjs", import.meta.url), {
      workerData: { file, due: this.#due, delayMs: opts.delayMs ?? 100 },
    });
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
    // A worker must not keep the process alive (close() stops it properly). After the listeners: adding
    // a 'message' listener would make the worker keep the process alive again.
    this.#worker.unref();
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
