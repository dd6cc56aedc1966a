import { randomBytes } from "node:crypto";
import { type Feeding, type FoodKind, XP_PER_FOOD } from "../domain/foods.js";
import type { FeedInput, FeedOutcome, RepoDisplay, RepoRef, XpChange } from "./store.js";

/**
 * The arithmetic of feeding a batch of deliveries in one transaction, kept apart from the SQL so that
 * it can be read (and tested) on its own. The batch gives every input exactly the outcome it would
 * have had if the inputs had been stored one after another in order: the first copy of a delivery
 * id or a source wins, the daily cap counts the foods granted earlier in the batch, and each
 * "before / after" is the running total at that input's place in the batch.
 */

/** GitHub logins and repo names are case-insensitive; rows are keyed by the lower-case form. */
export const keyOf = (s: string) => s.toLowerCase();

/** Map keys for composite row keys (NUL cannot occur in logins, days, food names or source keys). */
export const sourceKey = (repoId: number, source: string) => `${repoId}\0${source}`;
export const dayRowKey = (repoId: number, loginKey: string, day: string) => `${repoId}\0${loginKey}\0${day}`;
const pairKey = (a: string | number, b: string) => `${a}\0${b}`;

const BATCH_PREFIX = randomBytes(9).toString("base64url");
let batches = 0;

/**
 * A feeding batch's own mark on the delivery rows it inserts (see feedBatch): unique across processes
 * and restarts by its random prefix, drawn once, then counted.
 */
export function newBatchId(): string {
  batches++;
  return `${BATCH_PREFIX}${batches.toString(36)}`;
}

/** Whether each input is the first copy of its delivery id in the batch. */
export function firstCopies(inputs: readonly FeedInput[]): boolean[] {
  const seen = new Set<string>();
  return inputs.map((input) => {
    const first = !seen.has(input.deliveryId);
    seen.add(input.deliveryId);
    return first;
  });
}

/** Whether each input is the first copy in the batch of a delivery the database had not seen. */
export function freshInputs(inputs: readonly FeedInput[], inserted: ReadonlySet<string>): boolean[] {
  const firsts = firstCopies(inputs);
  return inputs.map((input, i) => Boolean(firsts[i]) && inserted.has(input.deliveryId));
}

/** One fresh input's feedings per contributor, logins in sorted order (the order rows are written in). */
export function byContributor(input: FeedInput): [loginKey: string, feedings: Feeding[]][] {
  const groups = new Map<string, Feeding[]>();
  for (const f of input.feedings) {
    const k = keyOf(f.login);
    const list = groups.get(k);
    if (list) list.push(f);
    else groups.set(k, [f]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface Grant {
  loginKey: string;
  /** The spelling of the login GitHub sent with the first granted feeding. */
  login: string;
  granted: Feeding[];
  foods: number;
}

/**
 * Applies "each source once" and the daily cap, in batch order. `newSources` holds the sources the
 * database had not seen (a repeat within the batch is caught here); `dayFoods` the foods each
 * contributor had on the day before the batch, and is advanced in place. A source over the cap is
 * still eaten, so the same commit pushed again tomorrow does not feed. `groups` are the inputs'
 * feedings by contributor, when the caller has them already.
 */
export function grantFoods(
  inputs: readonly FeedInput[],
  fresh: readonly boolean[],
  newSources: ReadonlySet<string>,
  dayFoods: Map<string, number>,
  groups: readonly ReturnType<typeof byContributor>[] = inputs.map(byContributor),
): Grant[][] {
  const eaten = new Set<string>();
  return inputs.map((input, i) => {
    if (!fresh[i]) return [];
    const grants: Grant[] = [];
    for (const [loginKey, feedings] of groups[i] ?? []) {
      const dayKey = dayRowKey(input.repo.id, loginKey, input.day);
      let remaining = Math.max(0, input.dailyCap - (dayFoods.get(dayKey) ?? 0));
      const granted: Feeding[] = [];
      for (const f of feedings) {
        const key = sourceKey(input.repo.id, f.sourceKey);
        const isNew = newSources.has(key) && !eaten.has(key);
        eaten.add(key);
        if (!isNew || remaining === 0) continue;
        const count = Math.min(f.count, remaining);
        remaining -= count;
        granted.push({ ...f, count });
      }
      const foods = total(granted);
      if (foods === 0) continue;
      dayFoods.set(dayKey, (dayFoods.get(dayKey) ?? 0) + foods);
      grants.push({ loginKey, login: granted[0]?.login ?? loginKey, granted, foods });
    }
    return grants;
  });
}

export const total = (feedings: readonly Feeding[]) => feedings.reduce((n, f) => n + f.count, 0);

export interface ContributorDelta {
  repoId: number;
  loginKey: string;
  login: string;
  foods: number;
  at: number;
}

export interface UserDelta {
  loginKey: string;
  login: string;
  foods: number;
  at: number;
  /** The latest UTC day the batch feeds the user on, and the foods of that day in the batch. */
  day: string;
  dayFoods: number;
  /** The batch's foods for the user by kind. */
  byKind: Partial<Record<FoodKind, number>>;
}

export interface RepoDelta {
  foods: number;
  at: number;
  display: RepoDisplay | undefined;
}

/** The counters a batch adds, summed per row, each row once (a multi-row upsert may touch a row once). */
export interface BatchTotals {
  contributors: Map<string, ContributorDelta>;
  users: Map<string, UserDelta>;
  repos: Map<number, RepoDelta>;
  repoFoods: Map<string, { repoId: number; food: FoodKind; count: number }>;
  repoDays: Map<string, { repoId: number; day: string; foods: number }>;
  /** Granted feedings in batch order, for the feeding log. */
  log: { input: FeedInput; loginKey: string; feeding: Feeding }[];
}

/**
 * Whether a delivery feeds its contributors' personal Dashes. Only public repositories do: a personal
 * card is open to anyone, and what it shows (when its owner last fed Dash, how much today, on what)
 * would tell of work in a private repository, whose own card only its badge token opens.
 */
export function countsForUsers(input: FeedInput): boolean {
  return !input.repo.private;
}

/** Sums what the grants add to every counter row; the last input in order sets names and times. */
export function batchTotals(inputs: readonly FeedInput[], grants: readonly Grant[][]): BatchTotals {
  const t: BatchTotals = {
    contributors: new Map(),
    users: new Map(),
    repos: new Map(),
    repoFoods: new Map(),
    repoDays: new Map(),
    log: [],
  };
  inputs.forEach((input, i) => {
    const at = input.at.getTime();
    const repoId = input.repo.id;
    let repoFoods = 0;
    for (const g of grants[i] ?? []) {
      repoFoods += g.foods;
      const ck = pairKey(repoId, g.loginKey);
      const c = t.contributors.get(ck);
      t.contributors.set(ck, { repoId, loginKey: g.loginKey, login: g.login, foods: (c?.foods ?? 0) + g.foods, at });
      if (countsForUsers(input)) {
        const u = t.users.get(g.loginKey);
        // Only the latest day is kept (a personal Dash shows today's foods): an earlier day's foods
        // in the same batch count for the totals, not for the day.
        const day = u && u.day > input.utcDay ? u.day : input.utcDay;
        const dayFoods = (u?.day === day ? u.dayFoods : 0) + (day === input.utcDay ? g.foods : 0);
        const byKind = { ...u?.byKind };
        for (const f of g.granted) byKind[f.food] = (byKind[f.food] ?? 0) + f.count;
        t.users.set(g.loginKey, {
          loginKey: g.loginKey,
          login: g.login,
          foods: (u?.foods ?? 0) + g.foods,
          at,
          day,
          dayFoods,
          byKind,
        });
      }
      for (const f of g.granted) {
        t.log.push({ input, loginKey: g.loginKey, feeding: f });
        // The repo's own Dash counts every food; only the personal counters leave private work out.
        const rfKey = pairKey(repoId, f.food);
        const rf = t.repoFoods.get(rfKey);
        t.repoFoods.set(rfKey, { repoId, food: f.food, count: (rf?.count ?? 0) + f.count });
      }
    }
    if (repoFoods === 0) return;
    const r = t.repos.get(repoId);
    t.repos.set(repoId, { foods: (r?.foods ?? 0) + repoFoods, at, display: input.display ?? r?.display });
    const rdKey = pairKey(repoId, input.day);
    const rd = t.repoDays.get(rdKey);
    t.repoDays.set(rdKey, { repoId, day: input.day, foods: (rd?.foods ?? 0) + repoFoods });
  });
  return t;
}

/** The newest RepoRef of each repo in the batch, by id. */
export function reposOf(inputs: readonly FeedInput[]): Map<number, RepoRef> {
  const repos = new Map<number, RepoRef>();
  for (const input of inputs) repos.set(input.repo.id, input.repo);
  return repos;
}

/** Stored state the outcomes are computed from: before the batch (repos) and after it (users). */
export interface BatchState {
  repoBefore: Map<number, { xp: number; lastFedAt: number | null }>;
  userXpAfter: Map<string, number>;
}

/** Each input's outcome, as if the batch had been stored one input at a time. */
export function batchOutcomes(
  inputs: readonly FeedInput[],
  fresh: readonly boolean[],
  grants: readonly Grant[][],
  totals: BatchTotals,
  state: BatchState,
): FeedOutcome[] {
  const repoNow = new Map([...state.repoBefore].map(([id, r]) => [id, { ...r }]));
  const userNow = new Map<string, number>();
  for (const [loginKey, after] of state.userXpAfter) {
    userNow.set(loginKey, after - (totals.users.get(loginKey)?.foods ?? 0) * XP_PER_FOOD);
  }
  return inputs.map((input, i) => {
    const repo = repoNow.get(input.repo.id) ?? { xp: 0, lastFedAt: null };
    const xpBefore = repo.xp;
    const lastFedAtBefore = repo.lastFedAt == null ? null : new Date(repo.lastFedAt);
    const mine = grants[i] ?? [];
    const users: XpChange[] = (countsForUsers(input) ? mine : []).map((g) => {
      const before = userNow.get(g.loginKey) ?? 0;
      const after = before + g.foods * XP_PER_FOOD;
      userNow.set(g.loginKey, after);
      return { login: g.login, xpBefore: before, xpAfter: after };
    });
    const foods = mine.reduce((n, g) => n + g.foods, 0);
    if (foods > 0) {
      repo.xp += foods * XP_PER_FOOD;
      repo.lastFedAt = input.at.getTime();
    }
    return {
      duplicateDelivery: !fresh[i],
      applied: mine.flatMap((g) => g.granted),
      repo: { xpBefore, xpAfter: repo.xp, lastFedAtBefore },
      users,
    };
  });
}
