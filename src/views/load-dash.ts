import { chosenLook } from "../domain/chosen-look.js";
import { type DashState, dashState } from "../domain/state.js";
import { dayKey } from "../domain/time.js";
import { sameSecret } from "../same-secret.js";
import type { RepoDisplay, RepoRecord, Store } from "../store/store.js";

export const DEFAULT_DISPLAY: RepoDisplay = {
  timezone: "UTC",
  hemisphere: "north",
  locale: "en",
  name: "Dash",
  outfit: "auto",
  background: "auto",
};

export interface RepoDashView {
  repo: RepoRecord;
  display: RepoDisplay;
  state: DashState;
}

/**
 * A private repo is visible only with its badge token; without it the answer is the same as for an
 * unknown repo, so not even its existence leaks.
 */
export function canView(repo: RepoRecord, token: string | null | undefined): boolean {
  if (!repo.private) return true;
  return !!token && !!repo.badgeToken && sameSecret(token, repo.badgeToken);
}

/** Loads a repo's Dash as shown now; null when unknown or not visible with `token`. No GitHub calls. */
export async function loadRepoDash(
  store: Store,
  owner: string,
  name: string,
  opts: { now: Date; token?: string | null; top?: number },
): Promise<RepoDashView | null> {
  const repo = await store.getRepo(owner, name);
  if (!repo || !canView(repo, opts.token)) return null;
  const display = repo.display ?? DEFAULT_DISPLAY;
  const record = await store.getRepoDash(owner, name, { day: dayKey(opts.now, display.timezone), top: opts.top ?? 10 });
  if (!record) return null;
  const state = dashState(
    {
      kind: "repo",
      subject: `${repo.owner}/${repo.name}`,
      name: repo.dashName ?? display.name,
      xp: record.xp,
      foods: record.foods,
      lastFedAt: record.lastFedAt,
      foodsByKind: record.foodsByKind,
      foodsToday: record.foodsToday,
      contributors: record.contributors,
      contributorCount: record.contributorCount,
      ...chosenLook(display, repo.outfit),
    },
    { now: opts.now, timeZone: display.timezone, hemisphere: display.hemisphere },
  );
  return { repo, display, state };
}

/** Loads a user's personal Dash as shown now; null when the user has never fed any Dash. */
export async function loadUserDash(store: Store, login: string, opts: { now: Date }): Promise<DashState | null> {
  const record = await store.getUserDash(login, { utcDay: dayKey(opts.now, "UTC") });
  if (!record) return null;
  return dashState(
    {
      kind: "user",
      subject: record.login,
      name: record.login,
      xp: record.xp,
      foods: record.foods,
      lastFedAt: record.lastFedAt,
      foodsByKind: record.foodsByKind,
      foodsToday: record.foodsToday,
    },
    { now: opts.now, timeZone: "UTC", hemisphere: "north" },
  );
}
