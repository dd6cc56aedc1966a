import type { CommentMode, Locale, PrReaction } from "../comments/model.js";
import { MAX_PRS_PER_BRANCH } from "../comments/pr-info.js";
import type { Feeding, FoodKind } from "../domain/foods.js";
import { BatchQueue } from "./batch-queue.js";
import type { Db } from "./db.js";
import type { XpChange } from "./store.js";

/** A pull request in one repo. */
export interface PrKey {
  repoId: number;
  prNumber: number;
}

/** What a PR payload tells about the PR. */
export interface PrInfo {
  authorLogin: string | null;
  headRepoId: number | null;
  headRef: string | null;
  open: boolean;
  merged: boolean;
  /**
   * When GitHub last changed the PR, as the payload tells it (`updated_at`, epoch ms): a payload older
   * than the state stored (a review redelivered after the PR was closed) does not reopen it.
   */
  stateAt?: number;
  /**
   * The payload is the close or the reopening itself: it wins a tie with the stored state (GitHub's
   * times are to the second, and a PR closed and reopened at once, e.g. to rerun CI, shares one).
   */
  changesState?: boolean;
}

/** The stored state of one PR's sticky comment. */
export interface PrRecord extends PrKey {
  authorLogin: string | null;
  open: boolean;
  merged: boolean;
  /** The repo Dash's XP just before this PR first fed it. */
  repoXpStart: number | null;
  commentId: number | null;
  /** Someone deleted the comment: it is not posted again for this PR. */
  commentDeleted: boolean;
  bodyHash: string | null;
  locale: Locale;
  mode: CommentMode;
  problems: string[];
  reaction: PrReaction | null;
}

/** The right to render and post a PR's comment, held by one caller until released. */
export interface Lease {
  owner: string;
  /** The refresh generation seen when the lease was taken; a later one means "render again". */
  gen: number;
  /**
   * Taken over from a holder whose lease ran out while it was still rendering: it may post a comment
   * after this holder has looked for one.
   */
  tookOver?: boolean;
}

export interface PrFoodRow {
  login: string;
  food: FoodKind;
  count: number;
}

export interface PrContributorRow {
  login: string;
  xpStart: number;
}

interface PrRow {
  repo_id: number | string;
  pr_number: number | string;
  author_login: string | null;
  is_open: number | string;
  merged: number | string;
  repo_xp_start: number | string | null;
  comment_id: number | string | null;
  comment_deleted: number | string;
  body_hash: string | null;
  locale: string | null;
  mode: string | null;
  problems: string | null;
  reaction: string | null;
}

const num = (v: unknown) => Number(v ?? 0);
const keyOf = (login: string) => login.toLowerCase();

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A branch of a repo that PRs can have as their head. */
interface BranchKey {
  repoId: number;
  headRepoId: number;
  ref: string;
}

const branchKeyOf = (b: BranchKey) => `${b.repoId}:${b.headRepoId}:${b.ref}`;

/** A PR whose comment is behind what it was fed (see CommentStore.staleComments). */
export interface StaleComment {
  repoId: number;
  prNumber: number;
  owner: string;
  repo: string;
  installationId: number;
}

/**
 * SQL of the sticky PR comment (tables in comment-migrations.ts). Runs unchanged on SQLite and
 * PostgreSQL.
 *
 * Concurrency: every caller that wants the comment refreshed first bumps `gen`, then tries to take
 * the lease. Only the lease holder talks to GitHub; it releases only if `gen` is still the one it
 * rendered, otherwise it renders again. So two events at once give one POST and then one PATCH,
 * never two comments, whichever process they land in.
 */
export class CommentStore {
  readonly #branchLookups: BatchQueue<BranchKey, number[]>;

  constructor(readonly db: Db) {
    this.#branchLookups = new BatchQueue((branches) => this.#openPrsForBranches(branches));
  }

  /**
   * Records (or refreshes) what a PR payload says about the PR; keeps the comment and tallies. A merged
   * PR stays merged and closed whatever a late event (a review redelivered after the merge) says; a
   * closed or reopened PR takes its state only from payloads at least as new as the one that set it
   * (on a tie, a close or reopening payload wins, the later to arrive of two such; any other payload
   * only closes: a close and a review in the same second leave the PR closed).
   */
  async trackPr(key: PrKey, info: PrInfo, now = Date.now()): Promise<void> {
    await this.db.query(
      `INSERT INTO dash_prs (repo_id, pr_number, author_login, head_repo_id, head_ref, is_open, merged, state_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (repo_id, pr_number) DO UPDATE SET
         author_login = COALESCE(excluded.author_login, dash_prs.author_login),
         head_repo_id = COALESCE(excluded.head_repo_id, dash_prs.head_repo_id),
         head_ref = COALESCE(excluded.head_ref, dash_prs.head_ref),
         is_open = CASE
           WHEN dash_prs.merged = 1 THEN 0
           WHEN dash_prs.state_at IS NULL OR excluded.state_at IS NULL OR excluded.state_at > dash_prs.state_at
             OR (excluded.state_at = dash_prs.state_at AND (excluded.is_open = 0 OR $10 = 1)) THEN excluded.is_open
           ELSE dash_prs.is_open END,
         merged = CASE WHEN dash_prs.merged = 1 THEN 1 ELSE excluded.merged END,
         state_at = CASE WHEN dash_prs.state_at IS NULL OR excluded.state_at > dash_prs.state_at
           THEN COALESCE(excluded.state_at, dash_prs.state_at) ELSE dash_prs.state_at END,
         updated_at = excluded.updated_at`,
      [
        key.repoId,
        key.prNumber,
        info.authorLogin,
        info.headRepoId,
        info.headRef,
        info.open ? 1 : 0,
        info.merged ? 1 : 0,
        info.stateAt ?? null,
        now,
        info.changesState ? 1 : 0,
      ],
    );
  }

  /**
   * Open PRs of `repoId` whose head is branch `ref` of `headRepoId` (a push there feeds them). Asked
   * after every push that fed: the lookups of concurrent deliveries are answered by one query.
   */
  openPrsForBranch(repoId: number, headRepoId: number, ref: string): Promise<number[]> {
    return this.#branchLookups.add({ repoId, headRepoId, ref });
  }

  async #openPrsForBranches(branches: readonly BranchKey[]): Promise<number[][]> {
    const unique = new Map(branches.map((b) => [branchKeyOf(b), b]));
    const params: unknown[] = [];
    const matches = [...unique.values()].map((b) => {
      params.push(b.repoId, b.headRepoId, b.ref);
      const n = params.length;
      return `(repo_id = $${n - 2} AND head_repo_id = $${n - 1} AND head_ref = $${n})`;
    });
    const rows = await this.db.query<{
      repo_id: number | string;
      head_repo_id: number | string;
      head_ref: string;
      pr_number: number | string;
    }>(
      `SELECT repo_id, head_repo_id, head_ref, pr_number FROM dash_prs
       WHERE is_open = 1 AND (${matches.join(" OR ")})
       ORDER BY pr_number`,
      params,
    );
    const prs = new Map<string, number[]>();
    for (const r of rows) {
      const key = branchKeyOf({ repoId: num(r.repo_id), headRepoId: num(r.head_repo_id), ref: r.head_ref });
      const list = prs.get(key) ?? [];
      // A branch is the head of a handful of open PRs at most; a push refreshes the first ten.
      if (list.length < MAX_PRS_PER_BRANCH) list.push(num(r.pr_number));
      prs.set(key, list);
    }
    return branches.map((b) => prs.get(branchKeyOf(b)) ?? []);
  }

  /**
   * Adds what a delivery fed to the PR's tally. Keyed by the feeding's source (commit, review, merge),
   * so a redelivered or replayed event never counts twice. Also remembers where each contributor's
   * personal Dash and the repo's Dash stood when they first fed through this PR, for level-up lines.
   */
  async recordFeedings(
    key: PrKey,
    applied: readonly Feeding[],
    users: readonly XpChange[],
    repoXpBefore: number,
    now = Date.now(),
  ): Promise<void> {
    if (applied.length === 0) return;
    // Each statement is idempotent on its own, so no transaction is needed (and none is held open).
    // Starting points keep the lowest value seen: concurrent events may be recorded in any order.
    await this.db.query(
      `UPDATE dash_prs SET repo_xp_start = CASE
         WHEN repo_xp_start IS NULL OR repo_xp_start > $1 THEN $1 ELSE repo_xp_start END,
         updated_at = $4
       WHERE repo_id = $2 AND pr_number = $3`,
      [repoXpBefore, key.repoId, key.prNumber, now],
    );
    for (const f of applied) {
      await this.db.query(
        `INSERT INTO dash_pr_feedings (repo_id, pr_number, source_key, login_key, login, food, count)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (repo_id, pr_number, source_key) DO NOTHING`,
        [key.repoId, key.prNumber, f.sourceKey, keyOf(f.login), f.login, f.food, f.count],
      );
    }
    for (const u of users) {
      await this.db.query(
        `INSERT INTO dash_pr_contributors (repo_id, pr_number, login_key, login, xp_start)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repo_id, pr_number, login_key) DO UPDATE SET xp_start = CASE
           WHEN excluded.xp_start < dash_pr_contributors.xp_start THEN excluded.xp_start
           ELSE dash_pr_contributors.xp_start END`,
        [key.repoId, key.prNumber, keyOf(u.login), u.login, u.xpBefore],
      );
    }
  }

  /** Foods the PR fed, per contributor and kind. */
  async tally(key: PrKey): Promise<PrFoodRow[]> {
    const rows = await this.db.query<{ login: string; food: FoodKind; count: number | string }>(
      `SELECT MIN(login) AS login, food, SUM(count) AS count FROM dash_pr_feedings
       WHERE repo_id = $1 AND pr_number = $2 GROUP BY login_key, food ORDER BY login_key, food`,
      [key.repoId, key.prNumber],
    );
    return rows.map((r) => ({ login: r.login, food: r.food, count: num(r.count) }));
  }

  /** Everyone who fed through the PR, with their personal XP before their first feeding here. */
  async contributors(key: PrKey): Promise<PrContributorRow[]> {
    const rows = await this.db.query<{ login: string; xp_start: number | string }>(
      "SELECT login, xp_start FROM dash_pr_contributors WHERE repo_id = $1 AND pr_number = $2 ORDER BY login_key",
      [key.repoId, key.prNumber],
    );
    return rows.map((r) => ({ login: r.login, xpStart: num(r.xp_start) }));
  }

  async getPr(key: PrKey): Promise<PrRecord | null> {
    const [row] = await this.db.query<PrRow>(
      `SELECT repo_id, pr_number, author_login, is_open, merged, repo_xp_start, comment_id, comment_deleted, body_hash,
              locale, mode, problems, reaction
       FROM dash_prs WHERE repo_id = $1 AND pr_number = $2`,
      [key.repoId, key.prNumber],
    );
    if (!row) return null;
    return {
      repoId: num(row.repo_id),
      prNumber: num(row.pr_number),
      authorLogin: row.author_login,
      open: num(row.is_open) === 1,
      merged: num(row.merged) === 1,
      repoXpStart: row.repo_xp_start == null ? null : num(row.repo_xp_start),
      commentId: row.comment_id == null ? null : num(row.comment_id),
      commentDeleted: num(row.comment_deleted) === 1,
      bodyHash: row.body_hash,
      locale: row.locale === "ja" ? "ja" : "en",
      mode: row.mode === "off" || row.mode === "merged-only" ? row.mode : "always",
      problems: parseJson<string[]>(row.problems, []),
      reaction: parseJson<PrReaction | null>(row.reaction, null),
    };
  }

  /** Saves the repo settings the comment is rendered with, so later re-renders need no GitHub call. */
  async setRenderSettings(key: PrKey, s: { locale: Locale; mode: CommentMode; problems: string[] }): Promise<void> {
    await this.db.query(
      "UPDATE dash_prs SET locale = $1, mode = $2, problems = $3 WHERE repo_id = $4 AND pr_number = $5",
      [s.locale, s.mode, JSON.stringify(s.problems), key.repoId, key.prNumber],
    );
  }

  /** Stores Dash's spoken reaction with the PR (null clears it); false when the PR is unknown. */
  async setReaction(key: PrKey, reaction: PrReaction | null): Promise<boolean> {
    const rows = await this.db.query(
      "UPDATE dash_prs SET reaction = $1 WHERE repo_id = $2 AND pr_number = $3 RETURNING pr_number",
      [reaction ? JSON.stringify(reaction) : null, key.repoId, key.prNumber],
    );
    return rows.length > 0;
  }

  /**
   * Asks for a refresh: whoever holds the lease will render again before letting go. Until a render
   * lets go, the PR counts as stale (see staleComments), even if this process stops first.
   */
  async requestRefresh(key: PrKey): Promise<void> {
    await this.db.query("UPDATE dash_prs SET gen = gen + 1 WHERE repo_id = $1 AND pr_number = $2", [
      key.repoId,
      key.prNumber,
    ]);
  }

  /** Takes the lease unless someone else holds an unexpired one; null when busy. */
  async acquire(key: PrKey, owner: string, now: number, leaseMs: number): Promise<Lease | null> {
    // SET reads the row as it was: a lease still named there had run out, and is taken over.
    const [row] = await this.db.query<{ gen: number | string; lease_taken_over: number | string }>(
      `UPDATE dash_prs SET lease_owner = $1, lease_until = $2,
         lease_taken_over = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
       WHERE repo_id = $3 AND pr_number = $4 AND (lease_owner IS NULL OR lease_until < $5)
       RETURNING gen, lease_taken_over`,
      [owner, now + leaseMs, key.repoId, key.prNumber, now],
    );
    return row ? { owner, gen: num(row.gen), tookOver: num(row.lease_taken_over) === 1 } : null;
  }

  /**
   * Extends the lease its holder still has; false when it ran out and someone else took it (that
   * holder renders now, and this one must not write to GitHub any more).
   */
  async renew(key: PrKey, lease: Lease, now: number, leaseMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE dash_prs SET lease_until = $1
       WHERE repo_id = $2 AND pr_number = $3 AND lease_owner = $4
       RETURNING pr_number`,
      [now + leaseMs, key.repoId, key.prNumber, lease.owner],
    );
    return rows.length > 0;
  }

  /** Remembers the comment the lease holder created or edited, and the hash of the body it shows. */
  async saveComment(key: PrKey, lease: Lease, commentId: number | null, bodyHash: string | null): Promise<void> {
    await this.db.query(
      `UPDATE dash_prs SET comment_id = $1, body_hash = $2, updated_at = $3
       WHERE repo_id = $4 AND pr_number = $5 AND lease_owner = $6`,
      [commentId, bodyHash, Date.now(), key.repoId, key.prNumber, lease.owner],
    );
  }

  /**
   * Lets go of the lease if no refresh was asked for since it was taken. Returns false (lease kept,
   * `gen` moved on) when the holder must render again.
   */
  async release(key: PrKey, lease: Lease): Promise<{ released: boolean; gen: number }> {
    const [row] = await this.db.query<{ gen: number | string }>(
      `UPDATE dash_prs SET lease_owner = NULL, lease_until = NULL, rendered_gen = gen
       WHERE repo_id = $1 AND pr_number = $2 AND lease_owner = $3 AND gen = $4
       RETURNING gen`,
      [key.repoId, key.prNumber, lease.owner, lease.gen],
    );
    if (row) return { released: true, gen: num(row.gen) };
    const [now] = await this.db.query<{ gen: number | string; lease_owner: string | null }>(
      "SELECT gen, lease_owner FROM dash_prs WHERE repo_id = $1 AND pr_number = $2",
      [key.repoId, key.prNumber],
    );
    // Lost the lease (it expired and someone else took it): that holder renders; nothing left to do here.
    if (!now || now.lease_owner !== lease.owner) return { released: true, gen: num(now?.gen) };
    return { released: false, gen: num(now.gen) };
  }

  /**
   * PRs whose comment was asked for a refresh since its last render (or first post), and not deleted
   * by someone, in a repo still installed, last touched at or after `since` and not being rendered
   * now (no live lease): a process stopped between a feeding and its render. Most recently touched
   * first, with what it takes to reach GitHub for them.
   */
  async staleComments(opts: { now: number; since: number; limit: number }): Promise<StaleComment[]> {
    const rows = await this.db.query<{
      repo_id: number | string;
      pr_number: number | string;
      owner: string;
      name: string;
      installation_id: number | string;
    }>(
      `SELECT p.repo_id, p.pr_number, r.owner, r.name, r.installation_id
       FROM dash_prs p JOIN repos r ON r.id = p.repo_id
       WHERE p.gen > p.rendered_gen AND p.comment_deleted = 0
         AND (p.lease_until IS NULL OR p.lease_until < $1) AND p.updated_at >= $2
         AND r.installation_id IS NOT NULL AND r.installed = 1
       ORDER BY p.updated_at DESC, p.repo_id, p.pr_number LIMIT $3`,
      [opts.now, opts.since, opts.limit],
    );
    return rows.map((r) => ({
      repoId: num(r.repo_id),
      prNumber: num(r.pr_number),
      owner: r.owner,
      repo: r.name,
      installationId: num(r.installation_id),
    }));
  }

  /**
   * Forgets up to `limit` PRs closed and untouched since `before` (epoch ms), with their tallies, and
   * returns how many: a closed PR's row is only read again if it is reopened, and then its tally
   * starts afresh. A PR whose comment someone deleted keeps its row (so Dash still does not post
   * again there) and loses only its tally. The PRs are taken in key order and locked first, in one
   * transaction, so a PR reopened meanwhile waits and keeps everything; the statements name the last
   * one's key rather than every key, so their text is the same for every sweep (prepared once).
   */
  async forgetClosedPrs(opts: { before: number; now: number; limit: number }): Promise<number> {
    const old = "is_open = 0 AND updated_at < $1 AND (lease_until IS NULL OR lease_until < $2)";
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === "postgres" ? " FOR UPDATE" : "";
      const taken = await tx.query<{ repo_id: number | string; pr_number: number | string }>(
        `SELECT repo_id, pr_number FROM dash_prs
         WHERE ${old} AND (comment_deleted = 0 OR EXISTS (SELECT 1 FROM dash_pr_feedings f
           WHERE f.repo_id = dash_prs.repo_id AND f.pr_number = dash_prs.pr_number))
         ORDER BY repo_id, pr_number LIMIT $3${lock}`,
        [opts.before, opts.now, opts.limit],
      );
      const last = taken.at(-1);
      if (!last) return 0;
      // The PRs taken are the closed old ones up to the last one's key (and, among those, PRs whose
      // deleted comment left no tally, which have nothing to lose).
      const upToLast = `${old} AND (repo_id, pr_number) <= ($3, $4)`;
      const params = [opts.before, opts.now, num(last.repo_id), num(last.pr_number)];
      for (const table of ["dash_pr_feedings", "dash_pr_contributors"]) {
        await tx.query(
          `DELETE FROM ${table} WHERE (repo_id, pr_number) IN (SELECT repo_id, pr_number FROM dash_prs WHERE ${upToLast})`,
          params,
        );
      }
      await tx.query(`DELETE FROM dash_prs WHERE comment_deleted = 0 AND ${upToLast}`, params);
      return taken.length;
    });
  }

  /** Remembers that someone deleted the comment, so Dash does not post it again on this PR. */
  async markCommentDeleted(key: PrKey, lease: Lease): Promise<void> {
    await this.db.query(
      `UPDATE dash_prs SET comment_id = NULL, body_hash = NULL, comment_deleted = 1
       WHERE repo_id = $1 AND pr_number = $2 AND lease_owner = $3`,
      [key.repoId, key.prNumber, lease.owner],
    );
  }

  /** Lets go of the lease whatever happened (error path). */
  async abandon(key: PrKey, lease: Lease): Promise<void> {
    await this.db.query(
      `UPDATE dash_prs SET lease_owner = NULL, lease_until = NULL
       WHERE repo_id = $1 AND pr_number = $2 AND lease_owner = $3`,
      [key.repoId, key.prNumber, lease.owner],
    );
  }
}
