export const MOODS = ["happy", "peckish", "hungry", "starving"] as const;
export type Mood = (typeof MOODS)[number];

const HOUR = 3_600_000;

/**
 * Mood from the hours since the last food: < 24 happy, < 72 peckish, < 168 hungry, else starving.
 * A Dash that has never eaten is hungry (it is waiting for its first meal, not dying).
 */
export function moodFor(lastFedAt: Date | null, now: Date): Mood {
  if (!lastFedAt) return "hungry";
  const hours = (now.getTime() - lastFedAt.getTime()) / HOUR;
  if (hours < 24) return "happy";
  if (hours < 72) return "peckish";
  if (hours < 168) return "hungry";
  return "starving";
}
