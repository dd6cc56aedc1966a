import { randomBytes } from "node:crypto";
import { type Feeding, type FoodKind, XP_PER_FOOD } from "../domain/foods.js";
import type { Outfit } from "../domain/outfits.js";
import type { Db, Sql } from "./db.js";
import type {
  FeedInput,
  FeedOutcome,
  RepoDashRecord,
  RepoDisplay,
  RepoRecord,
  RepoRef,
  Store,
  UserDashRecord,
  XpChange,
} from "./store.js";

/** GitHub logins and repo names are case-insensitive; rows are keyed by the lower-case form. */
export const keyOf = (s: string) => s.toLowerCase();
const fullNameKey = (owner: string, name: string) => keyOf(`${owner}/${name}`);
const newBadgeToken = () => randomBytes(18).toString("base64url");

interface RepoRow {
  id: number | string;
  owner: string;
  name: string;
  private: number;
  installation_id: number | string | null;
  installed: number;
  dash_name: string | null;
  outfit: string | null;
  badge_token: string | null;
  display: string | null;
  xp: number | string;
  foods: number | string;
  last_fed_at: number | string | null;
  contributor_count: number | string;
}

const num = (v: unknown) => Number(v ?? 0);

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

const REPO_COLUMNS =
  "id, owner, name, private, installation_id, installed, dash_name, outfit, badge_token, display, xp, foods, last_fed_at, contributor_count";

/** The Store on any Db: the same statements run on SQLite and PostgreSQL. */
export class SqlStore implements Store {
  constructor(readonly db: Db) {}

  async upsertRepo(repo: RepoRef, opts: { installed?: boolean } = {}): Promise<RepoRecord> {
    return this.db.transaction(async (tx) =>
      toRepoRecord(await this.#upsertRepo(tx, repo, Date.now(), opts.installed)),
    );
  }

  /** Inserts or refreshes the repo row; this also takes the row's write lock, which serialises feedings per repo. */
  async #upsertRepo(tx: Sql, repo: RepoRef, now: number, installed?: boolean): Promise<RepoRow> {
    const key = fullNameKey(repo.owner, repo.name);
    // A renamed repo frees its old name; if another repo took it since, the stale row steps aside.
    await tx.query(
      "UPDATE repos SET full_name_key = full_name_key || '#' || id WHERE full_name_key = $1 AND id <> $2",
      [key, repo.id],
    );
    const rows = await tx.query<RepoRow>(
      `INSERT INTO repos (id, owner, name, full_name_key, private, installation_id, installed, badge_token, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET
         owner = excluded.owner, name = excluded.name, full_name_key = excluded.full_name_key,
         private = excluded.private,
         installation_id = COALESCE(excluded.installation_id, repos.installation_id),
         installed = CASE WHEN $10 = 1 THEN excluded.installed ELSE repos.installed END,
         updated_at = excluded.updated_at
       RETURNING ${REPO_COLUMNS}`,
      [
        repo.id,
        repo.owner,
        repo.name,
        key,
        repo.private ? 1 : 0,
        repo.installationId,
        installed ? 1 : 0,
        newBadgeToken(),
        now,
        installed === undefined ? 0 : 1,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error(`upsert of repo ${repo.id} returned no row`);
    return row;
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

  /**
   * Lock order, so that concurrent deliveries neither deadlock nor wait longer than they must: the
   * delivery id first (a redelivery waits for the first copy, then stops), then each contributor's
   * rows in login order (two deliveries for different people run side by side on PostgreSQL), and the
   * repo's own row and counters last, held only for the final few statements.
   */
  async feed(input: FeedInput): Promise<FeedOutcome> {
    return this.db.transaction(async (tx) => {
      const at = input.at.getTime();
      const repoId = input.repo.id;
      const fresh = await tx.query(
        "INSERT INTO deliveries (id, repo_id, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id",
        [input.deliveryId, repoId, at],
      );
      if (fresh.length === 0) {
        const row = await this.#upsertRepo(tx, input.repo, at);
        const xp = num(row.xp);
        const lastFedAtBefore = row.last_fed_at == null ? null : new Date(num(row.last_fed_at));
        return {
          duplicateDelivery: true,
          applied: [],
          repo: { xpBefore: xp, xpAfter: xp, lastFedAtBefore },
          users: [],
        };
      }

      const byLogin = new Map<string, Feeding[]>();
      for (const f of input.feedings) {
        const k = keyOf(f.login);
        byLogin.set(k, [...(byLogin.get(k) ?? []), f]);
      }
      const applied: Feeding[] = [];
      const users: XpChange[] = [];
      let newContributors = 0;
      for (const loginKey of [...byLogin.keys()].sort()) {
        const { granted, isNew } = await this.#feedContributor(tx, input, loginKey, byLogin.get(loginKey) ?? []);
        if (granted.length === 0) continue;
        if (isNew) newContributors++;
        applied.push(...granted);
        const foods = granted.reduce((n, f) => n + f.count, 0);
        users.push(await this.#feedUser(tx, input, loginKey, granted, foods));
      }

      // The repo row, locked now: what it says is the latest committed state, so "before" is exact.
      const repoRow = await this.#upsertRepo(tx, input.repo, at);
      const xpBefore = num(repoRow.xp);
      const lastFedAtBefore = repoRow.last_fed_at == null ? null : new Date(num(repoRow.last_fed_at));
      const total = applied.reduce((n, f) => n + f.count, 0);
      if (total === 0) {
        return { duplicateDelivery: false, applied, repo: { xpBefore, xpAfter: xpBefore, lastFedAtBefore }, users };
      }
      const [after] = await tx.query<{ xp: number | string }>(
        `UPDATE repos SET xp = xp + $1, foods = foods + $2, last_fed_at = $3,
           contributor_count = contributor_count + $4, display = COALESCE($5, display)
         WHERE id = $6 RETURNING xp`,
        [total * XP_PER_FOOD, total, at, newContributors, input.display ? JSON.stringify(input.display) : null, repoId],
      );
      for (const [food, count] of foodTotals(applied)) {
        await bump(tx, "repo_foods", ["repo_id", "food"], [repoId, food], "count", count);
      }
      await bump(tx, "repo_days", ["repo_id", "day"], [repoId, input.day], "foods", total);
      return {
        duplicateDelivery: false,
        applied,
        repo: { xpBefore, xpAfter: num(after?.xp), lastFedAtBefore },
        users,
      };
    });
  }

  /**
   * Drops sources already fed, applies the daily cap, credits the contributor; returns what was granted
   * and whether the contributor just joined the (opted-in) leaderboard.
   */
  async #feedContributor(
    tx: Sql,
    input: FeedInput,
    loginKey: string,
    feedings: Feeding[],
  ): Promise<{ granted: Feeding[]; isNew: boolean }> {
    const repoId = input.repo.id;
    // Taking the day row first (an upsert that locks it) makes the cap check atomic on PostgreSQL too.
    const [dayRow] = await tx.query<{ foods: number | string }>(
      `INSERT INTO contributor_days (repo_id, login_key, day, foods) VALUES ($1, $2, $3, 0)
       ON CONFLICT (repo_id, login_key, day) DO UPDATE SET foods = contributor_days.foods
       RETURNING foods`,
      [repoId, loginKey, input.day],
    );
    let remaining = Math.max(0, input.dailyCap - num(dayRow?.foods));
    const granted: Feeding[] = [];
    for (const f of feedings) {
      const isNew = await tx.query(
        "INSERT INTO fed_sources (repo_id, source_key) VALUES ($1, $2) ON CONFLICT (repo_id, source_key) DO NOTHING RETURNING source_key",
        [repoId, f.sourceKey],
      );
      // A source over the cap is still marked as eaten: pushing the same commit tomorrow must not feed it.
      if (isNew.length === 0 || remaining === 0) continue;
      const count = Math.min(f.count, remaining);
      remaining -= count;
      granted.push({ ...f, count });
      await tx.query(
        `INSERT INTO feedings (delivery_id, repo_id, login_key, food, count, source_key, fed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [input.deliveryId, repoId, loginKey, f.food, count, f.sourceKey, input.at.getTime()],
      );
    }
    const foods = granted.reduce((n, f) => n + f.count, 0);
    if (foods === 0) return { granted, isNew: false };
    const login = granted[0]?.login ?? loginKey;
    await tx.query(
      "UPDATE contributor_days SET foods = foods + $1 WHERE repo_id = $2 AND login_key = $3 AND day = $4",
      [foods, repoId, loginKey, input.day],
    );
    const [row] = await tx.query<{ xp: number | string; opted_out: number | string }>(
      `INSERT INTO contributors (repo_id, login_key, login, xp, foods, last_fed_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (repo_id, login_key) DO UPDATE SET login = excluded.login, xp = contributors.xp + excluded.xp,
         foods = contributors.foods + excluded.foods, last_fed_at = excluded.last_fed_at
       RETURNING xp, opted_out`,
      [repoId, loginKey, login, foods * XP_PER_FOOD, foods, input.at.getTime()],
    );
    // First food for an opted-in contributor: one more on the leaderboard (kept as a counter, so reading
    // a Dash never counts rows).
    const isNew = num(row?.xp) === foods * XP_PER_FOOD && num(row?.opted_out) === 0;
    return { granted, isNew };
  }

  async #feedUser(tx: Sql, input: FeedInput, loginKey: string, granted: Feeding[], foods: number): Promise<XpChange> {
    const login = granted[0]?.login ?? loginKey;
    const [row] = await tx.query<{ xp: number | string }>(
      `INSERT INTO users (login_key, login, xp, foods, last_fed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (login_key) DO UPDATE SET login = excluded.login, xp = users.xp + excluded.xp,
         foods = users.foods + excluded.foods, last_fed_at = excluded.last_fed_at
       RETURNING xp`,
      [loginKey, login, foods * XP_PER_FOOD, foods, input.at.getTime()],
    );
    for (const [food, count] of foodTotals(granted)) {
      await bump(tx, "user_foods", ["login_key", "food"], [loginKey, food], "count", count);
    }
    await bump(tx, "user_days", ["login_key", "day"], [loginKey, input.utcDay], "foods", foods);
    const xpAfter = num(row?.xp);
    return { login, xpBefore: xpAfter - foods * XP_PER_FOOD, xpAfter };
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
    const [row] = await this.db.query<{
      login: string;
      xp: number | string;
      foods: number | string;
      last_fed_at: number | string | null;
    }>("SELECT login, xp, foods, last_fed_at FROM users WHERE login_key = $1", [key]);
    if (!row) return null;
    const foodRows = await this.db.query<{ food: FoodKind; count: number | string }>(
      "SELECT food, count FROM user_foods WHERE login_key = $1",
      [key],
    );
    const [today] = await this.db.query<{ foods: number | string }>(
      "SELECT foods FROM user_days WHERE login_key = $1 AND day = $2",
      [key, opts.utcDay],
    );
    return {
      login: row.login,
      xp: num(row.xp),
      foods: num(row.foods),
      lastFedAt: row.last_fed_at == null ? null : new Date(num(row.last_fed_at)),
      foodsByKind: Object.fromEntries(foodRows.map((r) => [r.food, num(r.count)])),
      foodsToday: num(today?.foods),
    };
  }

  async setDashName(repoId: number, name: string | null): Promise<void> {
    await this.db.query("UPDATE repos SET dash_name = $1, updated_at = $2 WHERE id = $3", [name, Date.now(), repoId]);
  }

  async setOutfit(repoId: number, outfit: Outfit | null): Promise<void> {
    await this.db.query("UPDATE repos SET outfit = $1, updated_at = $2 WHERE id = $3", [outfit, Date.now(), repoId]);
  }

  async setOptOut(repoId: number, login: string, optedOut: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      // A contributor may opt out before ever feeding: the row is created so the choice sticks.
      const [before] = await tx.query<{ xp: number | string; opted_out: number | string }>(
        "SELECT xp, opted_out FROM contributors WHERE repo_id = $1 AND login_key = $2",
        [repoId, keyOf(login)],
      );
      await tx.query(
        `INSERT INTO contributors (repo_id, login_key, login, opted_out) VALUES ($1, $2, $3, $4)
         ON CONFLICT (repo_id, login_key) DO UPDATE SET opted_out = excluded.opted_out`,
        [repoId, keyOf(login), login, optedOut ? 1 : 0],
      );
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

/**
 * Adds `n` to the counter of a row keyed by two columns, creating the row at `n`. Table and column
 * names are constants of this file, never input.
 */
async function bump(
  tx: Sql,
  table: "repo_foods" | "repo_days" | "user_foods" | "user_days",
  keys: [string, string],
  values: [unknown, unknown],
  counter: "count" | "foods",
  n: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} (${keys[0]}, ${keys[1]}, ${counter}) VALUES ($1, $2, $3)
     ON CONFLICT (${keys[0]}, ${keys[1]}) DO UPDATE SET ${counter} = ${table}.${counter} + excluded.${counter}`,
    [values[0], values[1], n],
  );
}

function foodTotals(feedings: readonly Feeding[]): [FoodKind, number][] {
  const totals = new Map<FoodKind, number>();
  for (const f of feedings) totals.set(f.food, (totals.get(f.food) ?? 0) + f.count);
  return [...totals];
}
