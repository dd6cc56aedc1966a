import { randomBytes } from "node:crypto";
import { FOOD_KINDS, type FoodKind } from "../domain/foods.js";
import type { Outfit } from "../domain/outfits.js";
import { BatchQueue } from "./batch-queue.js";
import type { Db } from "./db.js";
import { keyOf } from "./feed-batch.js";
import { fullNameKey, num, REPO_COLUMNS, type RepoRow, USER_KIND_COLUMNS, upsertRepos } from "./sql-feed.js";
import { storeBatch } from "./sql-feed-at-once.js";
import type {
  FeedInput,
  FeedOutcome,
  RepoDashRecord,
  RepoDisplay,
  RepoRecord,
  RepoRef,
  Store,
  UserDashRecord,
} from "./store.js";

/**
 * A new repo's badge token: 18 random bytes. Every feeding batch offers one per repo it upserts (used
 * only if the row is new), so the bytes are drawn from the CSPRNG 64 tokens at a time: one call costs
 * about as much as one token, as Node does for randomUUID.
 */
const newBadgeToken = (() => {
  const size = 18;
  let pool = Buffer.alloc(0);
  let next = 0;
  return () => {
    if (next + size > pool.length) {
      pool = randomBytes(size * 64);
      next = 0;
    }
    next += size;
    return pool.subarray(next - size, next).toString("base64url");
  };
})();

function parseDisplay(text: string | null): RepoDisplay | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as RepoDisplay;
  } catch {
    return null;
  }
}

function toRepoRecord(r: RepoRow): RepoRecord {
  return {
    id: num(r.id),
    owner: r.owner,
    name: r.name,
    private: num(r.private) === 1,
    installationId: r.installation_id == null ? null : num(r.installation_id),
    installed: num(r.installed) === 1,
    dashName: r.dash_name,
    outfit: (r.outfit as Outfit | null) ?? null,
    badgeToken: r.badge_token,
    display: parseDisplay(r.display),
  };
}

/** The Store on any Db: the same statements run on SQLite and PostgreSQL. */
export class SqlStore implements Store {
  readonly #feeds: BatchQueue<FeedInput, FeedOutcome>;
  readonly #batchListeners: ((size: number, seconds: number) => void)[] = [];

  constructor(readonly db: Db) {
    this.#feeds = new BatchQueue((inputs) => storeBatch(db, inputs, newBadgeToken), {
      // PostgreSQL: a second batch is sent while the first waits for its answer and its flush (with
      // the database 1 ms away each way, about a fifth more deliveries per second; on the same machine
      // a few percent). Concurrent batches lock rows in one order, as replicas' do. SQLite stores
      // batches one after another on the main thread whatever the queue does.
      inFlight: db.dialect === "postgres" ? 2 : 1,
      onBatch: (size, seconds) => {
        for (const listener of this.#batchListeners) listener(size, seconds);
      },
    });
  }

  async upsertRepo(repo: RepoRef, opts: { installed?: boolean } = {}): Promise<RepoRecord> {
    return this.db.transaction(async (tx) => {
      const [row] = await upsertRepos(tx, [repo], Date.now(), newBadgeToken, opts.installed);
      if (!row) throw new Error(`upsert of repo ${repo.id} returned no row`);
      return toRepoRecord(row);
    });
  }

  async setInstalled(repoIds: readonly number[], installed: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const id of repoIds) {
        await tx.query("UPDATE repos SET installed = $1, updated_at = $2 WHERE id = $3", [
          installed ? 1 : 0,
          Date.now(),
          id,
        ]);
      }
    });
  }

  async removeInstallation(installationId: number): Promise<void> {
    await this.db.query("UPDATE repos SET installed = 0, updated_at = $1 WHERE installation_id = $2", [
      Date.now(),
      installationId,
    ]);
  }

  /** Feeds Dash atomically and exactly once, in batches with the deliveries that arrive meanwhile. */
  feed(input: FeedInput, opts?: { answerWithinMs?: number }): Promise<FeedOutcome> {
    return this.#feeds.add(input, opts);
  }

  onFeedBatch(listener: (size: number, seconds: number) => void): void {
    this.#batchListeners.push(listener);
  }

  async getRepo(owner: string, name: string): Promise<RepoRecord | null> {
    const [row] = await this.db.query<RepoRow>(`SELECT ${REPO_COLUMNS} FROM repos WHERE full_name_key = $1`, [
      fullNameKey(owner, name),
    ]);
    return row ? toRepoRecord(row) : null;
  }

  async getRepoById(id: number): Promise<RepoRecord | null> {
    const [row] = await this.db.query<RepoRow>(`SELECT ${REPO_COLUMNS} FROM repos WHERE id = $1`, [id]);
    return row ? toRepoRecord(row) : null;
  }

  async getRepoDash(owner: string, name: string, opts: { day: string; top: number }): Promise<RepoDashRecord | null> {
    const [row] = await this.db.query<RepoRow>(`SELECT ${REPO_COLUMNS} FROM repos WHERE full_name_key = $1`, [
      fullNameKey(owner, name),
    ]);
    if (!row) return null;
    const id = num(row.id);
    const foodRows = await this.db.query<{ food: FoodKind; count: number | string }>(
      "SELECT food, count FROM repo_foods WHERE repo_id = $1",
      [id],
    );
    const [today] = await this.db.query<{ foods: number | string }>(
      "SELECT foods FROM repo_days WHERE repo_id = $1 AND day = $2",
      [id, opts.day],
    );
    const board = await this.db.query<{ login: string; xp: number | string; foods: number | string }>(
      `SELECT login, xp, foods FROM contributors WHERE repo_id = $1 AND opted_out = 0 AND xp > 0
       ORDER BY xp DESC, login_key LIMIT $2`,
      [id, opts.top],
    );
    return {
      repo: toRepoRecord(row),
      xp: num(row.xp),
      foods: num(row.foods),
      lastFedAt: row.last_fed_at == null ? null : new Date(num(row.last_fed_at)),
      foodsByKind: Object.fromEntries(foodRows.map((r) => [r.food, num(r.count)])),
      foodsToday: num(today?.foods),
      contributors: board.map((c) => ({ login: c.login, xp: num(c.xp), foods: num(c.foods) })),
      contributorCount: num(row.contributor_count),
    };
  }

  async getUserDash(login: string, opts: { utcDay: string }): Promise<UserDashRecord | null> {
    const key = keyOf(login);
    const [row] = await this.db.query<
      {
        login: string;
        xp: number | string;
        foods: number | string;
        last_fed_at: number | string | null;
        day: string | null;
        day_foods: number | string;
      } & Record<string, unknown>
    >(
      `SELECT login, xp, foods, last_fed_at, day, day_foods, ${USER_KIND_COLUMNS.join(", ")} FROM users WHERE login_key = $1`,
      [key],
    );
    if (!row) return null;
    // Foods by kind and today's foods that a replica of a version before core-010 and core-011
    // recorded in rows of their own, if any (see those migrations).
    const foodRows = await this.db.query<{ food: FoodKind; count: number | string }>(
      "SELECT food, count FROM user_foods WHERE login_key = $1",
      [key],
    );
    const [today] = await this.db.query<{ foods: number | string }>(
      "SELECT foods FROM user_days WHERE login_key = $1 AND day = $2",
      [key, opts.utcDay],
    );
    const foodsByKind: Partial<Record<FoodKind, number>> = {};
    FOOD_KINDS.forEach((kind, i) => {
      const count = num(row[USER_KIND_COLUMNS[i] ?? ""]) + num(foodRows.find((r) => r.food === kind)?.count);
      if (count > 0) foodsByKind[kind] = count;
    });
    return {
      login: row.login,
      xp: num(row.xp),
      foods: num(row.foods),
      lastFedAt: row.last_fed_at == null ? null : new Date(num(row.last_fed_at)),
      foodsByKind,
      foodsToday: (row.day === opts.utcDay ? num(row.day_foods) : 0) + num(today?.foods),
    };
  }

  async setDashName(repoId: number, name: string | null): Promise<void> {
    await this.db.query("UPDATE repos SET dash_name = $1, updated_at = $2 WHERE id = $3", [name, Date.now(), repoId]);
  }

  async setDisplay(repoId: number, display: RepoDisplay): Promise<void> {
    // Only when it changed: settings are read again after every change of the file or expiry.
    await this.db.query(
      "UPDATE repos SET display = $1, updated_at = $2 WHERE id = $3 AND (display IS NULL OR display <> $1)",
      [JSON.stringify(display), Date.now(), repoId],
    );
  }

  async setOutfit(repoId: number, outfit: Outfit | null): Promise<void> {
    await this.db.query("UPDATE repos SET outfit = $1, updated_at = $2 WHERE id = $3", [outfit, Date.now(), repoId]);
  }

  async setOptOut(repoId: number, login: string, optedOut: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      const where = [repoId, keyOf(login)];
      // Created if new (a contributor may opt out before ever feeding, and the choice must stick),
      // and locked and read in one statement (a no-op update of an existing row): a feeding that
      // commits meanwhile is either seen here or waits, and then sees the new choice when it counts
      // the repo's contributors.
      const [before] = await tx.query<{ xp: number | string; opted_out: number | string }>(
        `INSERT INTO contributors (repo_id, login_key, login) VALUES ($1, $2, $3)
         ON CONFLICT (repo_id, login_key) DO UPDATE SET opted_out = contributors.opted_out
         RETURNING xp, opted_out`,
        [...where, login],
      );
      await tx.query("UPDATE contributors SET opted_out = $3 WHERE repo_id = $1 AND login_key = $2", [
        ...where,
        optedOut ? 1 : 0,
      ]);
      const wasCounted = before !== undefined && num(before.xp) > 0 && num(before.opted_out) === 0;
      const isCounted = before !== undefined && num(before.xp) > 0 && !optedOut;
      if (wasCounted !== isCounted) {
        await tx.query("UPDATE repos SET contributor_count = contributor_count + $1 WHERE id = $2", [
          isCounted ? 1 : -1,
          repoId,
        ]);
      }
    });
  }

  async isOptedOut(repoId: number, login: string): Promise<boolean> {
    const [row] = await this.db.query<{ opted_out: number }>(
      "SELECT opted_out FROM contributors WHERE repo_id = $1 AND login_key = $2",
      [repoId, keyOf(login)],
    );
    return num(row?.opted_out) === 1;
  }

  async rotateBadgeToken(repoId: number): Promise<string> {
    const token = newBadgeToken();
    await this.db.query("UPDATE repos SET badge_token = $1, updated_at = $2 WHERE id = $3", [
      token,
      Date.now(),
      repoId,
    ]);
    return token;
  }

  async ping(): Promise<void> {
    await this.db.query("SELECT 1 AS ok");
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
