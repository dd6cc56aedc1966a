import { FOOD_KINDS } from "../domain/foods.js";
import { MAX_LEVEL } from "../domain/levels.js";
import type { Mood } from "../domain/mood.js";
import type { Outfit, Season } from "../domain/outfits.js";
import type { DashState } from "../domain/state.js";
import { MESSAGES } from "./messages.js";
import type { CardOptions } from "./options.js";
import { cleanText } from "./text.js";

/** Longest shown names, in graphemes (GitHub logins are at most 39 characters, repo names 100). */
export const MAX_NAME = 24;
export const MAX_SUBJECT = 44;
export const MAX_LOGIN = 16;

/**
 * Exactly what a card shows, as plain data: every string already cleaned, shortened and translated.
 * Two requests with equal models get the same bytes, so the render cache and ETags are keyed by it.
 */
export type CardModel = FedCardModel | NotFedCardModel;

interface CommonModel {
  options: CardOptions;
  /** Accessible description (the SVG `<title>`). */
  alt: string;
}

export interface FedCardModel extends CommonModel {
  variant: "fed";
  kind: "repo" | "user";
  name: string;
  subtitle: string;
  levelText: string;
  levelShort: string;
  xpText: string;
  nextText: string;
  /** Share of the current level done, 0–1, rounded so near-equal states share one render. */
  progress: number;
  mood: Mood;
  moodText: string;
  outfit: Outfit;
  background: Season;
  fedText: string;
  todayText: string;
  listTitle: string;
  /** Top contributors (repo) or favourite foods (user), at most three. */
  list: { label: string; value: string }[];
}

export interface NotFedCardModel extends CommonModel {
  variant: "not-fed";
  subject: string;
  title: string;
  hint: string;
  badgeText: string;
}

/** Formats XP: digits grouped up to 99,999, then compact (120K, 1.2M, 3.4T, 1.2e19) so huge levels still fit. */
export function formatXp(n: number): string {
  if (n < 100_000) return GROUPED.format(n);
  if (n >= 1e15) return n.toExponential(1).replace("e+", "e");
  return COMPACT.format(n);
}

// Made once: building a number format is far slower than using one.
const GROUPED = new Intl.NumberFormat("en-US");
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** How many contributors (or foods) a card lists: what its views load and its comment mirrors. */
export const CARD_TOP = 3;

/** The card of a Dash that has eaten: pure, `now` only turns "last fed" into "3 h ago". */
export function fedCardModel(state: DashState, options: CardOptions, now: Date): FedCardModel {
  const m = MESSAGES[options.lang];
  const name = cleanText(state.name, MAX_NAME) || "Dash";
  const subject = cleanText(state.subject, state.kind === "user" ? MAX_LOGIN + 8 : MAX_SUBJECT);
  const atMax = state.level >= MAX_LEVEL;
  const minutes = state.lastFedAt
    ? Math.max(0, Math.floor((now.getTime() - Date.parse(state.lastFedAt)) / 60_000))
    : null;
  const list =
    state.kind === "repo"
      ? state.contributors
          .slice(0, CARD_TOP)
          .map((c) => ({ label: cleanText(c.login, MAX_LOGIN), value: formatXp(c.xp) }))
      : FOOD_KINDS.map((k) => ({ kind: k, n: state.foodsByKind[k] ?? 0 }))
          .filter((f) => f.n > 0)
          .sort((a, b) => b.n - a.n)
          .slice(0, CARD_TOP)
          .map((f) => ({ label: m.food[f.kind], value: `× ${formatXp(f.n)}` }));
  const moodText = m.mood[state.mood];
  return {
    variant: "fed",
    options,
    kind: state.kind,
    name,
    subtitle: state.kind === "user" ? m.personal(subject) : subject,
    levelText: m.level(state.level),
    levelShort: m.levelShort(state.level),
    xpText: atMax ? `${formatXp(state.xp)} XP` : m.xpOf(formatXp(state.xpIntoLevel), formatXp(state.xpForNextLevel)),
    nextText: atMax ? m.maxLevel : m.toNext(formatXp(state.xpToNextLevel), state.level + 1),
    progress: atMax ? 1 : Math.round((state.xpIntoLevel / Math.max(1, state.xpForNextLevel)) * 200) / 200,
    mood: state.mood,
    moodText,
    outfit: state.outfit,
    background: state.background,
    fedText: minutes === null ? m.notFedTitle : m.fedAgo(m.ago(minutes)),
    todayText: m.foodsToday(formatXp(state.foodsToday)),
    listTitle: state.kind === "repo" ? m.topFeeders : m.favouriteFoods,
    list,
    alt: m.accessible(name, state.level, moodText),
  };
}

/**
 * The friendly card for a Dash nobody has fed yet, and for anything unknown or not visible: it names
 * only what the URL already says, so a private repo's card without its token equals an unknown repo's.
 */
export function notFedCardModel(subject: string, options: CardOptions): NotFedCardModel {
  const m = MESSAGES[options.lang];
  const shown = cleanText(subject, MAX_SUBJECT);
  return {
    variant: "not-fed",
    options,
    subject: shown,
    title: m.notFedTitle,
    hint: m.notFedHint,
    badgeText: m.notFedBadge,
    alt: m.accessibleNotFed(shown),
  };
}
