// The worker thread of sqlite-checkpointer.ts: WAL checkpoints for one SQLite file on a connection of
// its own, so their writes and fsyncs never hold up the App's event loop. Plain JavaScript, because a
// worker thread starts without the TypeScript loader the App may run under.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { file, due, delayMs } = workerData;
const db = new Database(file);
db.pragma("busy_timeout = 5000");
let timer = null;

/**
 * PASSIVE: copies what it can without waiting for anyone, so the App's writes never wait for it.
 * Starting the WAL over is left to the App's connection (see sqlite-checkpointer.ts).
 */
function checkpoint() {
  timer = null;
  // Commits from now on need another checkpoint: let the next one ask for it.
  Atomics.store(due, 0, 0);
  const [result] = db.pragma("wal_checkpoint(PASSIVE)");
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
