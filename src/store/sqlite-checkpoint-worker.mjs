// The worker thread of sqlite-checkpointer.ts: WAL checkpoints for one SQLite file on a connection of
// its own, so their writes and fsyncs never hold up the App's event loop. Plain JavaScript, because a
// worker thread starts without the TypeScript loader the App may run under.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, due, delayMs, restartFrames } = workerData;
const db = new Database(file);
db.pragma("busy_timeout = 5000");
let timer = null;

/**
 * PASSIVE copies what it can without waiting for anyone. Under steady writes it never catches up with
 * the end of the WAL, and SQLite only starts the WAL over once a checkpoint has; past `restartFrames`
 * a RESTART checkpoint waits for the writer to pause, finishes, and lets the next commit start over.
 */
function checkpoint() {
  timer = null;
  // Commits from now on need another checkpoint: let the next one ask for it.
  Atomics.store(due, 0, 0);
  let [result] = db.pragma("wal_checkpoint(PASSIVE)");
  if (result.log > restartFrames) [result] = db.pragma("wal_checkpoint(RESTART)");
  parentPort.postMessage(result);
}

parentPort.on("message", (message) => {
  if (message === "stop") {
    clearTimeout(timer ?? undefined);
    db.close();
    parentPort.close();
    return;
  }
  // "wrote": checkpoint a little later, so the commits of a burst are copied together.
  timer ??= setTimeout(checkpoint, delayMs);
});
