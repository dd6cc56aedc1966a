import { FOOD_LABELS, type FoodKind } from "../domain/foods.js";
import type { Mood } from "../domain/mood.js";
import type { Lang } from "./options.js";

/** Every word a card shows, in English and Japanese. */
export interface Messages {
  level(level: number): string;
  levelShort(level: number): string;
  xpOf(into: string, span: string): string;
  toNext(xp: string, level: number): string;
  maxLevel: string;
  mood: Record<Mood, string>;
  fedAgo(ago: string): string;
  foodsToday(n: string): string;
  topFeeders: string;
  favouriteFoods: string;
  food: Record<FoodKind, string>;
  personal(login: string): string;
  notFedTitle: string;
  notFedHint: string;
  notFedBadge: string;
  ago(minutes: number): string;
  accessible(name: string, level: number, mood: string): string;
  accessibleNotFed(subject: string): string;
}

const MINUTE = 1;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const MESSAGES: Record<Lang, Messages> = {
  en: {
    level: (l) => `Level ${l}`,
    levelShort: (l) => `Lv ${l}`,
    xpOf: (into, span) => `${into} / ${span} XP`,
    toNext: (xp, l) => `${xp} XP to Lv ${l}`,
    maxLevel: "Max level!",
    mood: { happy: "Happy", peckish: "Peckish", hungry: "Hungry", starving: "Starving" },
    fedAgo: (ago) => `Fed ${ago}`,
    foodsToday: (n) => `${n} today`,
    topFeeders: "Top feeders (XP)",
    favouriteFoods: "Favourite foods",
    food: FOOD_LABELS.en,
    personal: (login) => `@${login} · personal Dash`,
    notFedTitle: "Not fed yet",
    notFedHint: "Push a commit, open an issue or review a pull request to feed Dash.",
    notFedBadge: "not fed yet",
    ago: (m) => {
      if (m < 1) return "just now";
      if (m < HOUR) return `${m} min ago`;
      if (m < 2 * DAY) return `${Math.floor(m / HOUR)} h ago`;
      return `${Math.floor(m / DAY)} days ago`;
    },
    accessible: (name, level, mood) => `${name}: level ${level}, ${mood.toLowerCase()}`,
    accessibleNotFed: (subject) => `Dash for ${subject}: not fed yet`,
  },
  ja: {
    level: (l) => `レベル ${l}`,
    levelShort: (l) => `Lv ${l}`,
    xpOf: (into, span) => `${into} / ${span} XP`,
    toNext: (xp, l) => `Lv ${l} まで あと ${xp} XP`,
    maxLevel: "最高レベル！",
    mood: { happy: "ごきげん", peckish: "小腹がすいた", hungry: "はらぺこ", starving: "もう限界…" },
    fedAgo: (ago) => `${ago}にごはん`,
    foodsToday: (n) => `きょう ${n} 食`,
    topFeeders: "ごはん係 TOP3 (XP)",
    favouriteFoods: "好きなごはん",
    food: FOOD_LABELS.ja,
    personal: (login) => `@${login} のダッシュ`,
    notFedTitle: "まだごはんを食べていません",
    notFedHint: "コミット、Issue、プルリクエストのレビューでダッシュにごはんをあげよう。",
    notFedBadge: "まだごはん前",
    ago: (m) => {
      if (m < 1) return "たった今";
      if (m < HOUR) return `${m}分前`;
      if (m < 2 * DAY) return `${Math.floor(m / HOUR)}時間前`;
      return `${Math.floor(m / DAY)}日前`;
    },
    accessible: (name, level, mood) => `${name}：レベル ${level}、${mood}`,
    accessibleNotFed: (subject) => `${subject} のダッシュ：まだごはん前`,
  },
};
