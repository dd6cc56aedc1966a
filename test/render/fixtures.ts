import type { Outfit, Season } from "../../src/domain/outfits.js";
import { type DashFacts, type DashState, dashState } from "../../src/domain/state.js";
import type { CardOptions } from "../../src/render/options.js";

export const NOW = new Date("2026-04-10T12:00:00Z");
const HOUR = 3_600_000;

export const LIGHT_EN: CardOptions = { theme: "light", lang: "en", style: "card" };

/** A repo Dash fed `hoursAgo` hours before NOW, with three contributors; facts can be overridden. */
export function repoState(
  opts: { xp?: number; hoursAgo?: number; outfit?: Outfit; season?: Season } & Partial<DashFacts> = {},
): DashState {
  const { xp = 70, hoursAgo = 2, outfit, season, ...facts } = opts;
  return dashState(
    {
      kind: "repo",
      subject: "dart-lang/sdk",
      name: "Dash",
      xp,
      foods: xp / 10,
      lastFedAt: new Date(NOW.getTime() - hoursAgo * HOUR),
      foodsByKind: { curry: 4, ramen: 2, feast: 1 },
      foodsToday: 3,
      contributors: [
        { login: "alice", xp: 120 },
        { login: "bob", xp: 80 },
        { login: "carol", xp: 20 },
      ],
      chosenOutfit: outfit ?? null,
      chosenBackground: season ?? "spring",
      ...facts,
    },
    { now: NOW, timeZone: "UTC", hemisphere: "north" },
  );
}

/** A personal Dash. */
export function userState(login = "alice"): DashState {
  return dashState(
    {
      kind: "user",
      subject: login,
      name: login,
      xp: 150,
      foods: 15,
      lastFedAt: new Date(NOW.getTime() - 5 * HOUR),
      foodsByKind: { curry: 9, mapo_tofu: 4, tteokbokki: 2 },
      foodsToday: 2,
    },
    { now: NOW, timeZone: "UTC", hemisphere: "north" },
  );
}
