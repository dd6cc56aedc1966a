import type { FoodKind } from "../domain/foods.js";
import type { Mood } from "../domain/mood.js";
import type { Outfit } from "../domain/outfits.js";

export type Locale = "en" | "ja";

/** `comment` in `.github/dash.yml`: when the sticky PR comment is posted. */
export type CommentMode = "always" | "merged-only" | "off";

/** Dash's spoken reaction, filled in by the voice feature and shown as a quoted line. */
export interface PrReaction {
  text: string;
  /** Where the audio can be played; only http(s) links are rendered. */
  audioUrl?: string;
  /** The voice's credit line, e.g. `VOICEVOX:ずんだもん` (required wherever the audio is published). */
  credit?: string;
  /** A short note instead of (or beside) the audio, e.g. "voice budget reached today". */
  note?: string;
  /** The login the line may name: should they opt out later, the line is no longer shown. */
  named?: string;
}

/** One contributor of the PR, as the comment lists them. */
export interface PrContributor {
  login: string;
  /** Level of the contributor's personal Dash (all repos). */
  level: number;
  /** XP this PR fed (10 per food). */
  xpFromPr: number;
  /** The personal Dash levelled up since the contributor first fed through this PR. */
  levelledUp: boolean;
}

/** What the renderer needs: plain data, no I/O. */
export interface CommentModel {
  locale: Locale;
  /** Dash's display name (user-controlled: rendered neutralised). */
  dashName: string;
  level: number;
  xp: number;
  xpToNextLevel: number;
  mood: Mood;
  outfit: Outfit;
  /** Card image link, already carrying its version parameter (and `token=` for private repos). */
  cardUrl: string;
  /** Foods this PR fed, per kind. */
  fed: Partial<Record<FoodKind, number>>;
  contributors: PrContributor[];
  /** Contributors not listed because the list is capped. */
  moreContributors: number;
  /** Repo level at the PR's first feeding, when Dash has levelled up since. */
  levelUpFrom: number | null;
  /** Outfits unlocked since the PR's first feeding. */
  newOutfits: Outfit[];
  merged: boolean;
  /** Problems found in `.github/dash.yml`, one short line each. */
  problems: string[];
  reaction: PrReaction | null;
}
