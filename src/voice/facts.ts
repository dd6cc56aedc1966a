import { countByFood, type Feeding, type FoodKind } from "../domain/foods.js";
import { levelForXp, levelProgress } from "../domain/levels.js";
import { type Mood, moodFor } from "../domain/mood.js";
import { type Outfit, unlockedOutfits } from "../domain/outfits.js";
import type { FeedTrigger } from "../github/feed-event.js";

/**
 * What a reaction may talk about: numbers, enums and one validated login. Nothing a user typed (commit
 * messages, titles, bodies, the Dash's custom name) is ever in here, so none of it can reach a prompt.
 */
export interface ReactionFacts {
  trigger: FeedTrigger;
  locale: "en" | "ja";
  /** The credited contributor's GitHub login; null when it does not look like one or they opted out. */
  contributor: string | null;
  foods: Partial<Record<FoodKind, number>>;
  /** The food this meal had most of. */
  mainFood: FoodKind | null;
  foodCount: number;
  xpGained: number;
  levelBefore: number;
  levelAfter: number;
  xpToNextLevel: number;
  /** The outfit unlocked by this meal's level-up, if any. */
  newOutfit: Outfit | null;
  /** How hungry Dash was before this meal. */
  moodBefore: Mood;
  /** The repo's Dash had never eaten before. */
  firstMeal: boolean;
}

/** GitHub logins: letters, digits and single hyphens, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** The login if it is a plain GitHub login, else null (so nothing odd is ever echoed into text). */
export function safeLogin(login: string | null | undefined): string | null {
  return login && LOGIN.test(login) ? login : null;
}

export interface FactsInput {
  trigger: FeedTrigger;
  locale: "en" | "ja";
  applied: readonly Feeding[];
  /**
   * Lower-case logins that asked not to be named in Dash's comments (`/dash optout`). Required, so no
   * caller can forget them: the line is shown in the PR and may be sent to Gemini.
   */
  optedOut: ReadonlySet<string>;
  repoXpBefore: number;
  repoXpAfter: number;
  /** When the repo's Dash ate before this meal (null: never). */
  previousMealAt: Date | null;
  at: Date;
}

/** The login credited with most of a meal (the one Dash thanks), or null for an empty meal. */
export function topContributor(applied: readonly Feeding[]): string | null {
  const byLogin = new Map<string, number>();
  for (const f of applied) byLogin.set(f.login, (byLogin.get(f.login) ?? 0) + f.count);
  return [...byLogin.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Derives the reaction facts of one feeding (pure). */
export function reactionFacts(input: FactsInput): ReactionFacts {
  const foods = countByFood(input.applied);
  const entries = Object.entries(foods) as [FoodKind, number][];
  entries.sort((a, b) => b[1] - a[1]);
  const levelBefore = levelForXp(input.repoXpBefore);
  const levelAfter = levelForXp(input.repoXpAfter);
  const before = new Set(unlockedOutfits(levelBefore));
  const gained = unlockedOutfits(levelAfter).filter((o) => !before.has(o));
  // Someone who opted out is not thanked, and nobody else is thanked for what they did either.
  const top = topContributor(input.applied);
  const named = top !== null && !input.optedOut.has(top.toLowerCase()) ? top : null;
  return {
    trigger: input.trigger,
    locale: input.locale,
    contributor: safeLogin(named),
    foods,
    mainFood: entries[0]?.[0] ?? null,
    foodCount: entries.reduce((n, [, c]) => n + c, 0),
    xpGained: Math.max(0, input.repoXpAfter - input.repoXpBefore),
    levelBefore,
    levelAfter,
    xpToNextLevel: levelProgress(input.repoXpAfter).xpToNextLevel,
    newOutfit: gained[gained.length - 1] ?? null,
    moodBefore: input.previousMealAt ? moodFor(input.previousMealAt, input.at) : "hungry",
    firstMeal: input.previousMealAt === null && input.repoXpBefore === 0,
  };
}
