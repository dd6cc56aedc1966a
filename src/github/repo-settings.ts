import { DEFAULT_REPO_CONFIG, type ParsedRepoConfig, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import type { SettingsBus } from "../settings-bus.js";

/** Whether a repo feeds Dash, and with which settings. */
export interface RepoSettings {
  config: RepoConfig;
  /** Problems found in `.github/dash.yml`, one line each (shown in the next PR comment). */
  problems: string[];
  feeds: boolean;
  /** Why `feeds` is what it is, for the debug log. */
  reason: string;
}

/** The GitHub reads a settings lookup may need; both are only called on a cache miss. */
export interface RepoSettingsSource {
  repoId: number;
  /** `repository.language` from the payload. */
  payloadLanguage: string | null | undefined;
  /** Reads `.github/dash.yml` (repo, then org `.github`); null when there is none. */
  loadConfig(): Promise<unknown>;
  /** GitHub's languages list for the repo (`GET /repos/{owner}/{repo}/languages`). */
  listLanguages(): Promise<string[]>;
}

interface Entry<T> {
  value: Promise<T>;
  /** The value once loaded, readable without waiting (see peek). */
  loaded?: { value: T };
  expires: number;
}

/** A fresh entry's loaded value. */
function loadedValue<T>(entry: Entry<T> | undefined, now: number): { value: T } | undefined {
  return entry && entry.expires > now ? entry.loaded : undefined;
}

/** The settings that follow from the config and the payload alone, or null when the languages decide. */
function fromConfig({ config, problems }: ParsedRepoConfig, payloadLanguage: string | null | undefined) {
  if (config.enabled === false) return { config, problems, feeds: false, reason: "dash.yml says enabled: false" };
  if (config.enabled === true) return { config, problems, feeds: true, reason: "dash.yml says enabled: true" };
  if (payloadLanguage === "Dart") return { config, problems, feeds: true, reason: "repository language is Dart" };
  return null;
}

function fromLanguages({ config, problems }: ParsedRepoConfig, hasDart: boolean): RepoSettings {
  return hasDart
    ? { config, problems, feeds: true, reason: "Dart is among the repository's languages" }
    : { config, problems, feeds: false, reason: "not a Dart repository" };
}

/** The repo's config as read from GitHub: defaults when there is none, a problem line when it is not YAML. */
async function readConfig(source: RepoSettingsSource): Promise<ParsedRepoConfig> {
  try {
    return parseRepoConfig(await source.loadConfig());
  } catch (err) {
    if (isNotFound(err)) return { config: DEFAULT_REPO_CONFIG, problems: [] };
    if (isUnparseable(err)) {
      return {
        config: DEFAULT_REPO_CONFIG,
        problems: [`\`.github/dash.yml\` could not be read: ${reasonOf(err)}`],
      };
    }
    throw err;
  }
}

/**
 * Caches each repo's `.github/dash.yml` and language list so a burst of events costs at most one
 * API call each per TTL. In-flight lookups are shared: 50 concurrent deliveries make one request.
 */
export class RepoSettingsCache {
  readonly #configs = new Map<number, Entry<ParsedRepoConfig>>();
  readonly #languages = new Map<number, Entry<boolean>>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  readonly #bus: SettingsBus | undefined;

  /**
   * `bus` carries config changes to and from the other replicas sharing the database (a push that
   * changes `.github/dash.yml` reaches one of them only).
   */
  readonly #onConfigLoaded: ((repoId: number, config: RepoConfig) => void) | undefined;

  /**
   * `onConfigLoaded` is told each config read from GitHub (not each one served from the cache), e.g.
   * to save what the card shows of it.
   */
  constructor(opts: {
    ttlMs: number;
    now?: () => number;
    maxEntries?: number;
    bus?: SettingsBus;
    onConfigLoaded?: (repoId: number, config: RepoConfig) => void;
  }) {
    this.#onConfigLoaded = opts.onConfigLoaded;
    this.#ttlMs = opts.ttlMs;
    this.#now = opts.now ?? Date.now;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#bus = opts.bus;
    this.#bus?.subscribe((change) => {
      if ("all" in change) {
        this.#configs.clear();
        // After the bus lost its connection, an access change may have been missed too.
        if (change.missed) this.#tellAccessChanged(null);
      } else if (change.access) this.#tellAccessChanged(change.repoId);
      else this.#configs.delete(change.repoId);
    });
  }

  readonly #accessListeners: ((repoId: number | null) => void)[] = [];

  /**
   * Who may see a repo's card changed here (its badge token was rotated, or it turned private): the
   * listeners of this replica and, through the bus, of the others are told.
   */
  accessChanged(repoId: number): void {
    this.#tellAccessChanged(repoId);
    void this.#bus?.publish({ repoId, access: true });
  }

  /**
   * `listener` is told of every access change, made here or on another replica (see accessChanged);
   * null when any repo's may have changed (the bus reconnected, and may have missed one).
   */
  onAccessChange(listener: (repoId: number | null) => void): void {
    this.#accessListeners.push(listener);
  }

  #tellAccessChanged(repoId: number | null): void {
    for (const listener of this.#accessListeners) listener(repoId);
  }

  async get(source: RepoSettingsSource): Promise<RepoSettings> {
    const parsed = await this.#cached(this.#configs, source.repoId, async () => {
      const loaded = await readConfig(source);
      this.#onConfigLoaded?.(source.repoId, loaded.config);
      return loaded;
    });
    const settled = fromConfig(parsed, source.payloadLanguage);
    if (settled) return settled;
    const hasDart = await this.#cached(this.#languages, source.repoId, async () =>
      (await source.listLanguages()).includes("Dart"),
    );
    return fromLanguages(parsed, hasDart);
  }

  /**
   * What `get` would answer, when everything it needs is cached and loaded; otherwise undefined (then
   * call `get`). Answered at once: the usual delivery needs no timer or turn of the event loop for it.
   */
  peek(source: Pick<RepoSettingsSource, "repoId" | "payloadLanguage">): RepoSettings | undefined {
    const now = this.#now();
    const parsed = loadedValue(this.#configs.get(source.repoId), now);
    if (!parsed) return undefined;
    const settled = fromConfig(parsed.value, source.payloadLanguage);
    if (settled) return settled;
    const hasDart = loadedValue(this.#languages.get(source.repoId), now);
    return hasDart ? fromLanguages(parsed.value, hasDart.value) : undefined;
  }

  /** Forgets a repo's config, e.g. after a push changed `.github/dash.yml` on the default branch. */
  invalidateConfig(repoId: number): void {
    this.#configs.delete(repoId);
    void this.#bus?.publish({ repoId });
  }

  /** Forgets every repo's config, e.g. after an org's `.github` repository changed its `dash.yml`. */
  invalidateAllConfigs(): void {
    this.#configs.clear();
    void this.#bus?.publish({ all: true });
  }

  async #cached<T>(map: Map<number, Entry<T>>, key: number, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = map.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    const entry: Entry<T> = { value, expires: now + this.#ttlMs };
    map.set(key, entry);
    value.then((loaded) => {
      entry.loaded = { value: loaded };
    }, ignore);
    // A failed lookup is not remembered: the next event asks GitHub again.
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    if (map.size > this.#maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    return value;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

/** Probot's config plugin reports YAML it cannot parse (or a non-mapping) with this prefix. */
function isUnparseable(err: unknown): boolean {
  return String((err as Error)?.message ?? "").startsWith("[@probot/octokit-plugin-config]");
}

function reasonOf(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const detail = /\(([^)]*)\)\s*$/.exec(message)?.[1] ?? "invalid file";
  const cause = (err as { cause?: Error }).cause?.message?.split("\n")[0];
  return cause ? `${detail} (${cause})` : detail;
}

function ignore(): void {}
