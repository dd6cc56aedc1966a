import type { FoodKind } from "../domain/foods.js";
import { unlockedOutfits } from "../domain/outfits.js";
import type { DashState } from "../domain/state.js";
import type { CommentModel, Locale, PrContributor, PrReaction } from "./model.js";

/** What a PR comment is made of, wherever the facts come from (the App's store or the Action's ledger). */
export interface CommentFacts {
  state: DashState;
  locale: Locale;
  cardUrl: string;
  /** Foods this PR fed, per kind. */
  fed: Partial<Record<FoodKind, number>>;
  /** The PR's contributors, already in the order they are listed. */
  contributors: PrContributor[];
  maxContributors: number;
  /** Repo level when the PR first fed Dash; null when unknown. */
  levelFrom: number | null;
  merged: boolean;
  problems: string[];
  reaction: PrReaction | null;
}

/** The comment model: level-up and newly unlocked outfits since the PR's first feeding, the list capped. */
export function commentModelOf(f: CommentFacts): CommentModel {
  const { state } = f;
  const before = new Set(f.levelFrom === null ? state.unlockedOutfits : unlockedOutfits(f.levelFrom));
  return {
    locale: f.locale,
    dashName: state.name,
    level: state.level,
    xp: state.xp,
    xpToNextLevel: state.xpToNextLevel,
    mood: state.mood,
    outfit: state.outfit,
    cardUrl: f.cardUrl,
    fed: f.fed,
    contributors: f.contributors.slice(0, f.maxContributors),
    moreContributors: Math.max(0, f.contributors.length - f.maxContributors),
    levelUpFrom: f.levelFrom !== null && f.levelFrom < state.level ? f.levelFrom : null,
    newOutfits: state.unlockedOutfits.filter((o) => !before.has(o)),
    merged: f.merged,
    problems: f.problems,
    reaction: f.reaction,
  };
}
