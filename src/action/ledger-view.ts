import { chosenLook } from "../domain/chosen-look.js";
import type { Ledger } from "../domain/ledger.js";
import { type DashState, dashState } from "../domain/state.js";
import { dayKey } from "../domain/time.js";
import type { RepoDisplay } from "../store/store.js";

/**
 * The shown state of a ledger's Dash, as the App's JSON API would show it: the same display settings
 * (`.github/dash.yml`'s name, outfit and background, time zone and hemisphere) apply the same way.
 */
export function ledgerState(
  ledger: Ledger,
  opts: { subject: string; display: RepoDisplay; now: Date; top?: number },
): DashState {
  const { display } = opts;
  const board = Object.values(ledger.contributors)
    .filter((c) => !c.optedOut && c.xp > 0)
    .sort((a, b) => b.xp - a.xp || a.login.toLowerCase().localeCompare(b.login.toLowerCase()));
  return dashState(
    {
      kind: "repo",
      subject: opts.subject,
      name: ledger.dashName ?? display.name,
      xp: ledger.xp,
      foods: ledger.foods,
      lastFedAt: ledger.lastFedAt ? new Date(ledger.lastFedAt) : null,
      foodsByKind: ledger.foodsByKind,
      foodsToday: ledger.days[dayKey(opts.now, display.timezone)] ?? 0,
      contributors: board.slice(0, opts.top ?? 10).map((c) => ({ login: c.login, xp: c.xp })),
      contributorCount: board.length,
      ...chosenLook(display, ledger.outfit),
    },
    { now: opts.now, timeZone: display.timezone, hemisphere: display.hemisphere },
  );
}
