import { besideDb, type Db, runEach, type Sql } from "./db.js";
import { firstCopies } from "./feed-batch.js";
import { insertRows } from "./sql-rows.js";
import type { FeedInput } from "./store.js";

/** Rows read per query when the log is loaded at start. */
const LOAD_ROWS = 10_000;

/**
 * SQLite's delivery ids: the `deliveries` table is an append-only log in arrival order (its rowid,
 * `seq`), without an index on the id, and the ids it holds are kept in memory to tell a
 * redelivery from a new delivery.
 *
 * Why: GitHub's delivery ids are random GUIDs, so an index on them takes every insert to a random
 * page, and each feeding batch wrote one such page to the WAL per delivery: 38 of the 94 pages a
 * batch of 27 wrote, the largest single cost of a delivery on SQLite (measured: docs/benchmark.md).
 * Appending in arrival order writes about one page per batch. PostgreSQL keeps its index: there
 * the cost is its commit's flush, not the pages.
 *
 * The log stays the truth. Inside each write transaction, before deciding, the rows appended since
 * this process last looked are read (by `seq`, from the end of the log): another process on the
 * same file, or an earlier body of the same group commit, may have stored some. Ids enter the
 * memory only once their transaction has committed (Sql.afterCommit), so a rolled-back batch
 * leaves nothing behind; AUTOINCREMENT keeps `seq` rising even after every row was forgotten.
 * Memory: about 90 bytes per id kept, and 0.4 s to read 300,000 at start (DELIVERY_RETENTION_DAYS
 * bounds how many: 30 days at 10,000 deliveries a day is 27 MB).
 */
export class KnownDeliveries {
  readonly #ids = new Set<string>();
  /** The highest `seq` whose row is in #ids (or was forgotten since). */
  #seq = 0;

  /**
   * Reads the log into memory, LOAD_ROWS rows at a time (so a large log is never held twice), outside
   * any transaction: what a plain read sees is committed.
   */
  async load(db: Db): Promise<void> {
    for (;;) {
      const rows = await db.query<{ seq: number; id: string }>(
        `SELECT seq, id FROM deliveries WHERE seq > $1 ORDER BY seq LIMIT ${LOAD_ROWS}`,
        [this.#seq],
      );
      const last = rows.at(-1)?.seq;
      if (last === undefined) return;
      this.#add(
        rows.map((r) => r.id),
        last,
      );
      if (rows.length < LOAD_ROWS) return;
    }
  }

  /**
   * Reads the rows appended to the log since this process last looked, and returns their ids; they
   * are known once the transaction commits.
   */
  async catchUp(tx: Sql): Promise<Set<string>> {
    const appended = await tx.query<{ seq: number; id: string }>(
      "SELECT seq, id FROM deliveries WHERE seq > $1 ORDER BY seq",
      [this.#seq],
    );
    const seen = new Set(appended.map((r) => r.id));
    const last = appended.at(-1)?.seq;
    if (last !== undefined) this.#addOnCommit(tx, seen, last);
    return seen;
  }

  /**
   * Which of `inputs` are new deliveries: the first copy in the batch of an id the log does not hold,
   * as this transaction sees it. Writes nothing.
   */
  async fresh(tx: Sql, inputs: readonly FeedInput[]): Promise<boolean[]> {
    const seen = await this.catchUp(tx);
    const firsts = firstCopies(inputs);
    return inputs.map(({ deliveryId: id }, i) => firsts[i] === true && !seen.has(id) && !this.#ids.has(id));
  }

  /** Appends the `fresh` inputs' deliveries to the log; they are known once the transaction commits. */
  async record(tx: Sql, inputs: readonly FeedInput[], fresh: readonly boolean[]): Promise<void> {
    const rows = inputs.filter((_, i) => fresh[i]);
    if (rows.length === 0) return;
    const inserted = await runEach(
      tx,
      insertRows(
        "sqlite",
        "deliveries",
        ["id", "repo_id", "received_at"],
        rows.map((i) => [i.deliveryId, i.repo.id, i.at.getTime()]),
        "RETURNING seq",
      ),
    );
    const last = Math.max(...inserted.flat().map((r) => Number(r.seq)));
    this.#addOnCommit(
      tx,
      rows.map((i) => i.deliveryId),
      last,
    );
  }

  /** How many ids are held in memory. */
  get size(): number {
    return this.#ids.size;
  }

  /** Drops ids the log no longer holds (see forgetDeliveries). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.#ids.delete(id);
  }

  /** Adds `ids` (appended up to `last`) once `tx` has committed, never if it rolls back. */
  #addOnCommit(tx: Sql, ids: Iterable<string>, last: number): void {
    if (!tx.afterCommit) throw new Error("KnownDeliveries needs a transaction that reports its commit");
    tx.afterCommit(() => this.#add(ids, last));
  }

  #add(ids: Iterable<string>, last: number): void {
    for (const id of ids) this.#ids.add(id);
    if (last > this.#seq) this.#seq = last;
  }
}

const idsOf = besideDb(() => new KnownDeliveries());

/** The delivery ids kept for a SQLite database connection (one set per `Db`, shared by its users). */
export function knownDeliveriesOf(db: Db): KnownDeliveries | null {
  return db.dialect === "sqlite" ? idsOf(db) : null;
}
