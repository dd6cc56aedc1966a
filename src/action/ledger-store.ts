import { feedLedger, type Ledger } from "../domain/ledger.js";
import type { Outfit } from "../domain/outfits.js";
import type {
  FeedInput,
  FeedOutcome,
  RepoDashRecord,
  RepoDisplay,
  RepoRecord,
  RepoRef,
  Store,
  UserDashRecord,
} from "../store/store.js";

/**
 * The Store interface over one repo's JSON ledger, so the Action runs the App's `/dash` commands
 * unchanged. It holds a single repository; `ledger` is replaced on every change, and `changed` tells
 * the caller whether the state branch needs a new commit.
 */
export class LedgerStore implements Store {
  changed = false;

  constructor(
    public ledger: Ledger,
    private readonly repo: RepoRef,
    private readonly display: RepoDisplay,
  ) {}

  #record(): RepoRecord {
    return {
      ...this.repo,
      // In the App, `private` hides a repo's Dash from anyone without its badge token. Here GitHub
      // already limits the state branch to those who can see the repository, and with no token the
      // commands would find no Dash to show (or wear an outfit on) in a private repository.
      private: false,
      installed: true,
      dashName: this.ledger.dashName,
      outfit: this.ledger.outfit,
      // The Action's card lives on a branch of the repo itself: there is no token to hand out.
      badgeToken: null,
      display: this.display,
    };
  }

  #mine(owner: string, name: string): boolean {
    return `${owner}/${name}`.toLowerCase() === `${this.repo.owner}/${this.repo.name}`.toLowerCase();
  }

  #update(next: Partial<Ledger>): void {
    this.ledger = { ...this.ledger, ...next };
    this.changed = true;
  }

  async upsertRepo(): Promise<RepoRecord> {
    return this.#record();
  }

  async setInstalled(): Promise<void> {}

  async removeInstallation(): Promise<void> {}

  async feed(input: FeedInput): Promise<FeedOutcome> {
    const result = feedLedger(this.ledger, input);
    if (result.ledger !== this.ledger) this.#update(result.ledger);
    return result;
  }

  async getRepo(owner: string, name: string): Promise<RepoRecord | null> {
    return this.#mine(owner, name) ? this.#record() : null;
  }

  async getRepoById(id: number): Promise<RepoRecord | null> {
    return id === this.repo.id ? this.#record() : null;
  }

  async getRepoDash(owner: string, name: string, opts: { day: string; top: number }): Promise<RepoDashRecord | null> {
    if (!this.#mine(owner, name)) return null;
    const board = Object.values(this.ledger.contributors)
      .filter((c) => !c.optedOut && c.xp > 0)
      .sort((a, b) => b.xp - a.xp || a.login.toLowerCase().localeCompare(b.login.toLowerCase()));
    return {
      repo: this.#record(),
      xp: this.ledger.xp,
      foods: this.ledger.foods,
      lastFedAt: this.ledger.lastFedAt ? new Date(this.ledger.lastFedAt) : null,
      foodsByKind: this.ledger.foodsByKind,
      foodsToday: this.ledger.days[opts.day] ?? 0,
      contributors: board.slice(0, opts.top).map((c) => ({ login: c.login, xp: c.xp, foods: c.foods })),
      contributorCount: board.length,
    };
  }

  async getUserDash(login: string, opts: { utcDay: string }): Promise<UserDashRecord | null> {
    const c = this.ledger.contributors[login.toLowerCase()];
    if (!c || c.xp === 0) return null;
    return {
      login: c.login,
      xp: c.xp,
      foods: c.foods,
      lastFedAt: c.lastFedAt ? new Date(c.lastFedAt) : null,
      foodsByKind: {},
      foodsToday: c.days[opts.utcDay] ?? 0,
    };
  }

  async setDashName(_repoId: number, name: string | null): Promise<void> {
    this.#update({ dashName: name });
  }

  async setDisplay(): Promise<void> {
    // Nothing to keep: each run of the Action reads `.github/dash.yml` afresh.
  }

  async setOutfit(_repoId: number, outfit: Outfit | null): Promise<void> {
    this.#update({ outfit });
  }

  async setOptOut(_repoId: number, login: string, optedOut: boolean): Promise<void> {
    const key = login.toLowerCase();
    const current = this.ledger.contributors[key] ?? {
      login,
      xp: 0,
      foods: 0,
      lastFedAt: null,
      optedOut: false,
      days: {},
    };
    this.#update({ contributors: { ...this.ledger.contributors, [key]: { ...current, optedOut } } });
  }

  async isOptedOut(_repoId: number, login: string): Promise<boolean> {
    return this.ledger.contributors[login.toLowerCase()]?.optedOut === true;
  }

  async rotateBadgeToken(): Promise<string> {
    throw new Error("The Action's card lives on the repository's own state branch and has no badge token.");
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
