import type { DashState } from "../domain/state.js";
import { CARD_TOP } from "../render/card-model.js";
import { Lru } from "../render/lru.js";
import type { RepoRecord, Store } from "../store/store.js";
import { loadRepoDash, loadUserDash, type RepoDashView } from "../views/load-dash.js";

/** How long a loaded Dash is reused before the store is asked again (feedings in this process reset it at once). */
export const VIEW_TTL_MS = 5_000;

// GitHub logins and repo names are case-insensitive.
const keyOf = (s: string) => s.toLowerCase();

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * Badge views read the store, never GitHub. A view is kept for a few seconds so a README shown to many
 * people costs a handful of queries; a feeding in this process forgets the affected views at once, and
 * other replicas catch up when the short lifetime runs out.
 */
export class CardViews {
  readonly #records = new Lru<Entry<RepoRecord | null>>({ maxEntries: 10_000 });
  readonly #repos = new Lru<Entry<RepoDashView | null>>({ maxEntries: 10_000 });
  readonly #users = new Lru<Entry<DashState | null>>({ maxEntries: 10_000 });
  // Bumped by every `forget`, so a load that started before a feeding cannot put its older answer back.
  #generation = 0;

  constructor(private readonly deps: { store: Store; now: () => Date; ttlMs?: number }) {}

  /**
   * What the store knows of a repo (null when unknown): enough for a request to check its token with
   * `canView` before anything else is loaded, so that a private repo asked for without its token
   * costs what an unknown one does, and answers as fast.
   */
  async record(owner: string, name: string): Promise<RepoRecord | null> {
    return this.#cached(this.#records, keyOf(`${owner}/${name}`), () => this.deps.store.getRepo(owner, name));
  }

  /**
   * A repo's Dash regardless of who asks (null when unknown), for requests `canView` has let through.
   * The view is shared by every request, so it is loaded with the repo's own token.
   */
  async repo(owner: string, name: string): Promise<RepoDashView | null> {
    return this.#cached(this.#repos, keyOf(`${owner}/${name}`), async (now) => {
      const record = await this.deps.store.getRepo(owner, name);
      if (!record) return null;
      return loadRepoDash(this.deps.store, owner, name, { now, token: record.badgeToken, top: CARD_TOP });
    });
  }

  /** A user's personal Dash (null when the user has never fed one). */
  async user(login: string): Promise<DashState | null> {
    return this.#cached(this.#users, keyOf(login), (now) => loadUserDash(this.deps.store, login, { now }));
  }

  /** Forgets what a feeding changed: the repo's Dash and the credited contributors' own Dashes. */
  forget(repo: { owner: string; name: string }, logins: readonly string[]): void {
    this.#generation++;
    this.#records.delete(keyOf(`${repo.owner}/${repo.name}`));
    this.#repos.delete(keyOf(`${repo.owner}/${repo.name}`));
    for (const login of logins) this.#users.delete(keyOf(login));
  }

  /** Forgets every repo loaded (a badge token was rotated, or a repo turned private). */
  forgetRepos(): void {
    this.#generation++;
    this.#records.clear();
    this.#repos.clear();
  }

  async #cached<T>(cache: Lru<Entry<T>>, key: string, load: (now: Date) => Promise<T>): Promise<T> {
    const now = this.deps.now();
    const hit = cache.get(key);
    if (hit && now.getTime() - hit.at < (this.deps.ttlMs ?? VIEW_TTL_MS) && now.getTime() >= hit.at) return hit.value;
    const generation = this.#generation;
    const value = await load(now);
    if (generation === this.#generation) cache.set(key, { value, at: now.getTime() });
    return value;
  }
}
