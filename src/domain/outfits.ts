import { monthIn } from "./time.js";

/** Outfits unlock by level; the seasonal ones double as background names. */
export const OUTFITS = ["normal", "spring", "summer", "autumn", "winter"] as const;
export type Outfit = (typeof OUTFITS)[number];
export const SEASONS = ["spring", "summer", "autumn", "winter"] as const;
export type Season = (typeof SEASONS)[number];
export type Hemisphere = "north" | "south";

/** normal at 1, spring at 2, summer at 3, autumn at 4, winter at 5. */
export function outfitUnlockLevel(outfit: Outfit): number {
  return OUTFITS.indexOf(outfit) + 1;
}

/** Every outfit unlocked at `level`, in unlock order. */
export function unlockedOutfits(level: number): Outfit[] {
  return OUTFITS.filter((o) => outfitUnlockLevel(o) <= level);
}

/**
 * The outfit Dash wears: the chosen one when it is unlocked, otherwise the newest unlocked
 * (a reward should show without anyone having to ask for it).
 */
export function currentOutfit(level: number, chosen?: Outfit | null): Outfit {
  if (chosen && outfitUnlockLevel(chosen) <= level) return chosen;
  const unlocked = unlockedOutfits(level);
  return unlocked[unlocked.length - 1] ?? "normal";
}

const NORTH: Season[] = [
  "winter",
  "winter",
  "spring",
  "spring",
  "spring",
  "summer",
  "summer",
  "summer",
  "autumn",
  "autumn",
  "autumn",
  "winter",
];
const OPPOSITE: Record<Season, Season> = { spring: "autumn", summer: "winter", autumn: "spring", winter: "summer" };

/** Meteorological season of `at` in the repo's time zone and hemisphere. */
export function seasonAt(at: Date, timeZone: string, hemisphere: Hemisphere): Season {
  const north = NORTH[monthIn(at, timeZone) - 1] ?? "spring";
  return hemisphere === "south" ? OPPOSITE[north] : north;
}
