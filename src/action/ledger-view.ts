import type { Ledger } from "../domain/ledger.js";
import type { Hemisphere } from "../domain/outfits.js";
import { type DashState, dashState } from "../domain/state.js";
import { dayKey } from "../domain/time.js";

/** The shown state of a ledger's Dash, as the App's JSON API would show it. */
export function ledgerState(
  ledger: Ledger,
  opts: { subject: string; name: string; now: Date; timeZone: string; hemisphere: Hemisphere; top?: number },
): DashState {
  const board = Object.values(ledger.contributors)
    .filter((c) => !c.optedOut && c.xp > 0)
    .sort((a, b) => b.xp - a.xp || a.login.toLowerCase().localeCompare(b.login.toLowerCase()));
  return dashState(
    {
      kind: "repo",
      subject: opts.subject,
      name: ledger.dashName ?? opts.name,
      xp: ledger.xp,
      foods: ledger.foods,
      lastFedAt: ledger.lastFedAt ? new Date(ledger.lastFedAt) : null,
      foodsByKind: ledger.foodsByKind,
      foodsToday: ledger.days[dayKey(opts.now, opts.timeZone)] ?? 0,
      contributors: board.slice(0, opts.top ?? 10).map((c) => ({ login: c.login, xp: c.xp })),
      contributorCount: board.length,
      chosenOutfit: ledger.outfit,
    },
    { now: opts.now, timeZone: opts.timeZone, hemisphere: opts.hemisphere },
  );
}
