import { type Feeding, type FoodKind, XP_PER_FOOD } from "./foods.js";
import type { Outfit } from "./outfits.js";

/**
 * A whole repo's Dash as one JSON document: what the GitHub Action keeps on its state branch. It follows
 * exactly the rules of the database store (delivery and source idempotency, the daily cap per
 * contributor in the repo's day), as the shared contract tests check; the App uses SQL for the same
 * rules because it needs them atomic across concurrent deliveries.
 */
export interface Ledger {
  version: 1;
  xp: number;
  foods: number;
  lastFedAt: string | null;
  foodsByKind: Partial<Record<FoodKind, number>>;
  /** Foods per repo day; only recent days are kept. */
  days: Record<string, number>;
  contributors: Record<string, LedgerContributor>;
  /** Source keys already eaten (commit SHAs, issues, merges, reviews). */
  sources: string[];
  /** Recent delivery ids (workflow runs), so a re-run feeds nothing. */
  deliveries: string[];
  dashName: string | null;
  outfit: Outfit | null;
  /** What each pull request fed, for its sticky comment (recent PRs only). */
  prs: Record<string, LedgerPr>;
  /**
   * [PR number, comment id] of Dash's comment on each PR that has had one (recent ones): it is edited
   * by id, and one that is gone was deleted by someone, so it is not posted again (as in the App).
   */
  comments: [number, number][];
}

export interface LedgerPr {
  fed: Partial<Record<FoodKind, number>>;
  /** XP each contributor gained through this PR. */
  contributors: Record<string, number>;
  /** Repo level when the PR first fed, for the level-up line. */
  levelAtStart: number;
  /**
   * When the PR last fed, as a count of tallies across the ledger (the most recent is the highest):
   * the PRs kept are the most recently fed. Absent in ledgers written before it was kept (as 0).
   */
  seq?: number;
}

export interface LedgerContributor {
  login: string;
  xp: number;
  foods: number;
  lastFedAt: string | null;
  optedOut: boolean;
  days: Record<string, number>;
}

export interface LedgerFeedInput {
  deliveryId: string;
  feedings: readonly Feeding[];
  at: Date;
  day: string;
  dailyCap: number;
}

export interface LedgerFeedResult {
  ledger: Ledger;
  duplicateDelivery: boolean;
  applied: Feeding[];
  repo: { xpBefore: number; xpAfter: number; lastFedAtBefore: Date | null };
  users: { login: string; xpBefore: number; xpAfter: number }[];
}

const KEEP_DAYS = 8;
const KEEP_DELIVERIES = 1000;

export function emptyLedger(): Ledger {
  return {
    version: 1,
    xp: 0,
    foods: 0,
    lastFedAt: null,
    foodsByKind: {},
    days: {},
    contributors: {},
    sources: [],
    deliveries: [],
    dashName: null,
    outfit: null,
    prs: {},
    comments: [],
  };
}

const KEEP_PRS = 200;

/** Adds what a feeding applied to a pull request's tally; pure. */
export function tallyPr(ledger: Ledger, prNumber: number, applied: readonly Feeding[], levelBefore: number): Ledger {
  if (applied.length === 0) return ledger;
  const key = String(prNumber);
  const pr: LedgerPr = structuredClone(ledger.prs[key]) ?? { fed: {}, contributors: {}, levelAtStart: levelBefore };
  for (const f of applied) {
    pr.fed[f.food] = (pr.fed[f.food] ?? 0) + f.count;
    pr.contributors[f.login] = (pr.contributors[f.login] ?? 0) + f.count * XP_PER_FOOD;
  }
  const entries = Object.entries(ledger.prs);
  pr.seq = Math.max(0, ...entries.map(([, p]) => p.seq ?? 0)) + 1;
  // An object lists number-like keys in numeric order, whatever the order they were added in: the PRs
  // kept are picked by when they last fed (then by number, for ledgers from before `seq`).
  const others = entries
    .filter(([k]) => k !== key)
    .sort(([ka, a], [kb, b]) => (a.seq ?? 0) - (b.seq ?? 0) || Number(ka) - Number(kb));
  return { ...ledger, prs: Object.fromEntries([...others.slice(-(KEEP_PRS - 1)), [key, pr]]) };
}

const KEEP_COMMENTS = 1000;

/** The id of Dash's comment on a PR, if it has had one (see Ledger.comments). */
export function commentIdOf(ledger: Ledger, prNumber: number): number | null {
  return ledger.comments.find(([pr]) => pr === prNumber)?.[1] ?? null;
}

/** Remembers Dash's comment on each PR of `found` ([PR number, comment id]); pure. */
export function rememberComments(ledger: Ledger, found: readonly [number, number][]): Ledger {
  const prs = new Set(found.map(([pr]) => pr));
  const kept = ledger.comments.filter(([pr]) => !prs.has(pr));
  return { ...ledger, comments: [...kept, ...found].slice(-KEEP_COMMENTS) };
}

/** The result of feeding nothing: `ledger` as it is (a redelivery, or a step that only notes). */
export function nothingFed(ledger: Ledger, opts: { duplicateDelivery?: boolean } = {}): LedgerFeedResult {
  const lastFedAtBefore = ledger.lastFedAt ? new Date(ledger.lastFedAt) : null;
  return {
    ledger,
    duplicateDelivery: opts.duplicateDelivery ?? false,
    applied: [],
    repo: { xpBefore: ledger.xp, xpAfter: ledger.xp, lastFedAtBefore },
    users: [],
  };
}

/** Feeds a ledger; pure: returns a new ledger and leaves the input untouched. */
export function feedLedger(previous: Ledger, input: LedgerFeedInput): LedgerFeedResult {
  const ledger: Ledger = structuredClone(previous);
  const xpBefore = ledger.xp;
  const lastFedAtBefore = ledger.lastFedAt ? new Date(ledger.lastFedAt) : null;
  if (ledger.deliveries.includes(input.deliveryId)) return nothingFed(previous, { duplicateDelivery: true });
  ledger.deliveries = [...ledger.deliveries, input.deliveryId].slice(-KEEP_DELIVERIES);
  const sources = new Set(ledger.sources);
  const at = input.at.toISOString();
  const applied: Feeding[] = [];
  const users: LedgerFeedResult["users"] = [];
  const byLogin = new Map<string, Feeding[]>();
  for (const f of input.feedings) {
    const key = f.login.toLowerCase();
    byLogin.set(key, [...(byLogin.get(key) ?? []), f]);
  }
  for (const key of [...byLogin.keys()].sort()) {
    const feedings = byLogin.get(key) ?? [];
    const c: LedgerContributor = ledger.contributors[key] ?? {
      login: feedings[0]?.login ?? key,
      xp: 0,
      foods: 0,
      lastFedAt: null,
      optedOut: false,
      days: {},
    };
    ledger.contributors[key] = c;
    let remaining = Math.max(0, input.dailyCap - (c.days[input.day] ?? 0));
    let granted = 0;
    let shownLogin: string | undefined;
    for (const f of feedings) {
      if (sources.has(f.sourceKey)) continue;
      // Marked eaten even over the cap, as in the database store.
      sources.add(f.sourceKey);
      if (remaining === 0) continue;
      const count = Math.min(f.count, remaining);
      remaining -= count;
      granted += count;
      shownLogin ??= f.login;
      applied.push({ ...f, count });
      ledger.foodsByKind[f.food] = (ledger.foodsByKind[f.food] ?? 0) + count;
    }
    if (granted === 0) continue;
    const xpBeforeUser = c.xp;
    // The login as written by the first food granted now, as the database store keeps it.
    c.login = shownLogin ?? c.login;
    c.xp += granted * XP_PER_FOOD;
    c.foods += granted;
    c.lastFedAt = at;
    c.days = recentDays({ ...c.days, [input.day]: (c.days[input.day] ?? 0) + granted }, input.day);
    users.push({ login: c.login, xpBefore: xpBeforeUser, xpAfter: c.xp });
  }
  ledger.sources = [...sources];
  const total = applied.reduce((n, f) => n + f.count, 0);
  if (total > 0) {
    ledger.xp += total * XP_PER_FOOD;
    ledger.foods += total;
    ledger.lastFedAt = at;
    ledger.days = recentDays({ ...ledger.days, [input.day]: (ledger.days[input.day] ?? 0) + total }, input.day);
  }
  return { ledger, duplicateDelivery: false, applied, repo: { xpBefore, xpAfter: ledger.xp, lastFedAtBefore }, users };
}

/** Keeps the last few days (ISO day keys sort as dates). */
function recentDays(days: Record<string, number>, today: string): Record<string, number> {
  const keys = Object.keys(days)
    .filter((d) => d <= today)
    .sort()
    .slice(-KEEP_DAYS);
  return Object.fromEntries(keys.map((k) => [k, days[k] ?? 0]));
}

/** Reads a ledger from JSON text, tolerating missing fields from older versions; throws on non-ledgers. */
export function parseLedger(text: string): Ledger {
  const raw = JSON.parse(text) as Partial<Ledger>;
  if (raw === null || typeof raw !== "object" || raw.version !== 1) throw new Error("not a Dash ledger (version 1)");
  const ledger = { ...emptyLedger(), ...raw };
  // Written by this Action only; anything else in it is dropped rather than trusted.
  ledger.comments = Array.isArray(ledger.comments)
    ? ledger.comments.filter(
        (c): c is [number, number] => Array.isArray(c) && Number.isSafeInteger(c[0]) && Number.isSafeInteger(c[1]),
      )
    : [];
  // Feeding relies on these shapes; a hand-edited file gets named here rather than failing somewhere deeper.
  if (typeof ledger.xp !== "number" || !Array.isArray(ledger.sources) || !Array.isArray(ledger.deliveries)) {
    throw new Error("not a Dash ledger (`xp` must be a number, `sources` and `deliveries` lists)");
  }
  return ledger;
}
