import type { FoodKind } from "./foods.js";
import { levelForXp, levelProgress } from "./levels.js";
import { type Mood, moodFor } from "./mood.js";
import { currentOutfit, type Hemisphere, type Outfit, type Season, seasonAt, unlockedOutfits } from "./outfits.js";

export interface ContributorState {
  login: string;
  xp: number;
  level: number;
}

/** Everything a card, a comment or the JSON API shows about one Dash. Built by `dashState`, pure. */
export interface DashState {
  kind: "repo" | "user";
  /** `owner/repo` or the user's login. */
  subject: string;
  name: string;
  level: number;
  xp: number;
  xpIntoLevel: number;
  xpForNextLevel: number;
  xpToNextLevel: number;
  mood: Mood;
  outfit: Outfit;
  unlockedOutfits: Outfit[];
  background: Season;
  lastFedAt: string | null;
  foodsToday: number;
  totalFoods: number;
  foodsByKind: Partial<Record<FoodKind, number>>;
  contributors: ContributorState[];
  contributorCount: number;
  /** Never fed: cards show a friendly "not fed yet". */
  fresh: boolean;
}

export interface DashFacts {
  kind: "repo" | "user";
  subject: string;
  name: string;
  xp: number;
  foods: number;
  lastFedAt: Date | null;
  foodsByKind: Partial<Record<FoodKind, number>>;
  foodsToday: number;
  contributors?: { login: string; xp: number }[];
  contributorCount?: number;
  chosenOutfit?: Outfit | null;
  chosenBackground?: Season | null;
}

export interface Surroundings {
  now: Date;
  timeZone: string;
  hemisphere: Hemisphere;
}

/** Derives the shown state from stored facts and the moment it is looked at. */
export function dashState(facts: DashFacts, at: Surroundings): DashState {
  const progress = levelProgress(facts.xp);
  const contributors = (facts.contributors ?? []).map((c) => ({ login: c.login, xp: c.xp, level: levelForXp(c.xp) }));
  return {
    kind: facts.kind,
    subject: facts.subject,
    name: facts.name,
    level: progress.level,
    xp: facts.xp,
    xpIntoLevel: progress.xpIntoLevel,
    xpForNextLevel: progress.xpForNextLevel,
    xpToNextLevel: progress.xpToNextLevel,
    mood: moodFor(facts.lastFedAt, at.now),
    outfit: currentOutfit(progress.level, facts.chosenOutfit),
    unlockedOutfits: unlockedOutfits(progress.level),
    background: facts.chosenBackground ?? seasonAt(at.now, at.timeZone, at.hemisphere),
    lastFedAt: facts.lastFedAt ? facts.lastFedAt.toISOString() : null,
    foodsToday: facts.foodsToday,
    totalFoods: facts.foods,
    foodsByKind: facts.foodsByKind,
    contributors,
    contributorCount: facts.contributorCount ?? contributors.length,
    fresh: facts.foods === 0,
  };
}
