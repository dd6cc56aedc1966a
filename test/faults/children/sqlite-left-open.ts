// Child process for the checkpointer test: writes to a SQLite file and ends without closing it. The
// process must still exit by itself (the checkpoint worker must not hold it open).
import { SqliteDb } from "../../../src/store/sqlite-db.js";

const file = process.argv[2];
if (!file) throw new Error("usage: sqlite-left-open.ts <file>");
const db = new SqliteDb(file);
await db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY)");
for (let i = 0; i < 50; i++) await db.transaction((tx) => tx.query("INSERT INTO t VALUES ($1)", [i]));
// Give the worker a checkpoint to run, so it is busy when the script ends.
await new Promise((done) => setTimeout(done, 150));
const [row] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM t");
console.log(`written ${row?.n}`);
