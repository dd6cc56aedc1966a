import { describe, expect, it } from "vitest";
import { levelForXp, levelProgress, xpForLevel } from "../../src/domain/levels.js";

describe("level curve", () => {
  it("uses the hackathon thresholds: L2 = 20, L3 = 60, L4 = 140, L5 = 300, L6 = 620, L7 = 1260", () => {
    expect([2, 3, 4, 5, 6, 7].map(xpForLevel)).toEqual([20, 60, 140, 300, 620, 1260]);
    expect(xpForLevel(1)).toBe(0);
  });

  it("going from level n to n+1 needs 10 × 2^n XP", () => {
    for (let n = 1; n < 20; n++) expect(xpForLevel(n + 1) - xpForLevel(n)).toBe(10 * 2 ** n);
  });

  it("reaches a level exactly at its threshold, not one XP before", () => {
    expect(levelForXp(0)).toBe(1);
    expect(levelForXp(19)).toBe(1);
    expect(levelForXp(20)).toBe(2);
    expect(levelForXp(59)).toBe(2);
    expect(levelForXp(60)).toBe(3);
    expect(levelForXp(1260)).toBe(7);
  });

  it("reports progress inside the level", () => {
    expect(levelProgress(70)).toEqual({ level: 3, xp: 70, xpIntoLevel: 10, xpForNextLevel: 80, xpToNextLevel: 70 });
  });

  it("stays finite for absurd XP", () => {
    expect(levelForXp(Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(60);
  });
});
