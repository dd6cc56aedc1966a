import type { Feeding, FoodKind } from "../domain/foods.js";
import type { Outfit, Season } from "../domain/outfits.js";

/** What GitHub told us about a repository. */
export interface RepoRef {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  installationId: number | null;
}

/**
 * The parts of a repo's `.github/dash.yml` that cards need, saved with each feeding so that badge views
 * never have to ask GitHub for the config.
 */
export interface RepoDisplay {
  timezone: string;
  hemisphere: "north" | "south";
  locale: "en" | "ja";
  name: string;
  outfit: Outfit | "auto";
  background: Season | "auto";
}

export interface FeedInput {
  /** `X-GitHub-Delivery`: the same id twice feeds once. */
  deliveryId: string;
  repo: RepoRef;
  feedings: readonly Feeding[];
  at: Date;
  /** Calendar day of `at` in the repo's time zone (the daily cap's unit). */
  day: string;
  /** Calendar day of `at` in UTC (personal Dashes span repos, so they count days in UTC). */
  utcDay: string;
  dailyCap: number;
  display?: RepoDisplay;
}

export interface XpChange {
  login: string;
  xpBefore: number;
  xpAfter: number;
}

export interface FeedOutcome {
  /** The delivery had been processed before; nothing was fed. */
  duplicateDelivery: boolean;
  /** What actually fed, after dropping already-fed sources and applying the daily cap. */
  applied: Feeding[];
  /** The repo's Dash before and after; `lastFedAtBefore` tells how hungry it was before this meal. */
  repo: { xpBefore: number; xpAfter: number; lastFedAtBefore: Date | null };
  /** Each credited contributor's personal Dash. */
  users: XpChange[];
}

export interface RepoRecord extends RepoRef {
  installed: boolean;
  dashName: string | null;
  outfit: Outfit | null;
  badgeToken: string | null;
  display: RepoDisplay | null;
}

export interface ContributorRecord {
  login: string;
  xp: number;
  foods: number;
}

/** The stored facts behind one Dash (a repo's or a user's). */
export interface DashRecord {
  xp: number;
  foods: number;
  lastFedAt: Date | null;
  foodsByKind: Partial<Record<FoodKind, number>>;
  foodsToday: number;
}

export interface RepoDashRecord extends DashRecord {
  repo: RepoRecord;
  /** Leaderboard: opted-out contributors left out, highest XP first. */
  contributors: ContributorRecord[];
  contributorCount: number;
}

export interface UserDashRecord extends DashRecord {
  login: string;
}

/** Persistence for Dash. SQLite and PostgreSQL implement it with the same SQL (see sql-store.ts). */
export interface Store {
  /** Records a repo (installation events, first feeding) and refreshes its name and visibility. */
  upsertRepo(repo: RepoRef, opts?: { installed?: boolean }): Promise<RepoRecord>;
  setInstalled(repoIds: readonly number[], installed: boolean): Promise<void>;
  removeInstallation(installationId: number): Promise<void>;
  /**
   * Feeds Dash atomically and exactly once; see FeedInput. `answerWithinMs` bounds the wait for the
   * database (a slower answer fails with a 503 error; the feeding may still land, exactly once).
   */
  feed(input: FeedInput, opts?: { answerWithinMs?: number }): Promise<FeedOutcome>;
  /** Where feedings are stored in batches: told each batch's size and how long it took (metrics). */
  onFeedBatch?(listener: (size: number, seconds: number) => void): void;
  getRepo(owner: string, name: string): Promise<RepoRecord | null>;
  getRepoById(id: number): Promise<RepoRecord | null>;
  getRepoDash(owner: string, name: string, opts: { day: string; top: number }): Promise<RepoDashRecord | null>;
  getUserDash(login: string, opts: { utcDay: string }): Promise<UserDashRecord | null>;
  setDashName(repoId: number, name: string | null): Promise<void>;
  /**
   * Saves what `.github/dash.yml` says about the card (time zone, name, outfit …) as soon as the file
   * is read, so the card follows a changed file even before Dash is next fed.
   */
  setDisplay(repoId: number, display: RepoDisplay): Promise<void>;
  setOutfit(repoId: number, outfit: Outfit | null): Promise<void>;
  setOptOut(repoId: number, login: string, optedOut: boolean): Promise<void>;
  isOptedOut(repoId: number, login: string): Promise<boolean>;
  /** Sets a new random badge token for a (private) repo and returns it. */
  rotateBadgeToken(repoId: number): Promise<string>;
  /** Cheap round trip for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
