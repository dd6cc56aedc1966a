/**
 * The hackathon's level curve: going from level n to n+1 needs 10 × 2^n XP, so the cumulative
 * threshold of level L is 10 × (2^L − 2): L2 = 20, L3 = 60, L4 = 140, L5 = 300 …
 */
export const MAX_LEVEL = 60;

/** Cumulative XP needed to reach `level` (level 1 needs 0). */
export function xpForLevel(level: number): number {
  if (level <= 1) return 0;
  return 10 * (2 ** Math.min(level, MAX_LEVEL) - 2);
}

/** The level reached with `xp` total XP. */
export function levelForXp(xp: number): number {
  let level = 1;
  while (level < MAX_LEVEL && xp >= xpForLevel(level + 1)) level++;
  return level;
}

export interface LevelProgress {
  level: number;
  xp: number;
  /** XP earned inside the current level. */
  xpIntoLevel: number;
  /** XP the current level spans (from its threshold to the next). */
  xpForNextLevel: number;
  /** XP still missing to reach the next level. */
  xpToNextLevel: number;
}

/** Where `xp` sits on the curve, for XP bars and "N XP to level L". */
export function levelProgress(xp: number): LevelProgress {
  const level = levelForXp(xp);
  const floor = xpForLevel(level);
  const next = xpForLevel(level + 1);
  return {
    level,
    xp,
    xpIntoLevel: xp - floor,
    xpForNextLevel: next - floor,
    xpToNextLevel: Math.max(0, next - xp),
  };
}
