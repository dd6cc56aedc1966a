import { FOOD_LABELS, type FoodKind } from "../domain/foods.js";
import type { Mood } from "../domain/mood.js";
import type { Outfit } from "../domain/outfits.js";
import type { Locale } from "./model.js";

/**
 * Every fixed sentence of the PR comment, in English and Japanese. Values passed in are already
 * neutralised Markdown (see markdown.ts); these templates add nothing user-controlled.
 */
export interface CommentMessages {
  moodLine(name: string, mood: Mood, level: number): string;
  cardAlt(name: string, level: number, mood: Mood): string;
  fedLine(name: string, foods: string, xp: number): string;
  fedNothing(name: string): string;
  fedMerged: string;
  levelUp(name: string, from: number, to: number): string;
  newOutfits(outfits: string): string;
  contributorsHeader: [string, string, string];
  levelledUp: string;
  moreContributors(n: number): string;
  xpToNext(xp: number, level: number): string;
  problems(lines: string): string;
  listen: string;
  footer: string;
  food(kind: FoodKind): string;
  outfit(outfit: Outfit): string;
  mood(mood: Mood): string;
  list(items: string[]): string;
}

const MOOD_EMOJI: Record<Mood, string> = { happy: "😊", peckish: "🙂", hungry: "😋", starving: "😵" };

const en: CommentMessages = {
  moodLine: (name, mood, level) => `### ${MOOD_EMOJI[mood]} ${name} is ${en.mood(mood)} · level ${level}`,
  cardAlt: (name, level, mood) => `${name}, level ${level}, ${en.mood(mood)}`,
  fedLine: (name, foods, xp) => `**This PR fed ${name}:** ${foods} → **+${xp} XP**`,
  fedNothing: (name) => `**This PR has not fed ${name} yet** (bots, and foods over today's cap, do not count).`,
  fedMerged: "Merged: thanks for the feast! 🎉",
  levelUp: (name, from, to) => `🎉 **Level up!** ${name} went from level ${from} to level ${to}.`,
  newOutfits: (outfits) => `👗 **New outfit unlocked:** ${outfits}. Try \`/dash wear <outfit>\`.`,
  contributorsHeader: ["Contributor", "Level", "Fed in this PR"],
  levelledUp: "⬆️ level up!",
  moreContributors: (n) => `…and ${n} more.`,
  xpToNext: (xp, level) => `${xp} XP to level ${level}`,
  problems: (lines) => `⚠️ \`.github/dash.yml\` has problems, defaults are used instead: ${lines}`,
  listen: "Listen",
  footer:
    "Dash eats commits, issues, pull requests and reviews in this Dart repository. Comment `/dash help` for commands.",
  food: (kind) => FOOD_LABELS.en[kind],
  outfit: (outfit) => outfit,
  mood: (mood) => mood,
  list: (items) => items.join(", "),
};

const JA_MOODS: Record<Mood, string> = {
  happy: "ごきげん",
  peckish: "小腹がすいた",
  hungry: "おなかぺこぺこ",
  starving: "はらぺこで倒れそう",
};
const JA_OUTFITS: Record<Outfit, string> = {
  normal: "いつもの",
  spring: "春",
  summer: "夏",
  autumn: "秋",
  winter: "冬",
};

const ja: CommentMessages = {
  moodLine: (name, mood, level) => `### ${MOOD_EMOJI[mood]} ${name}は${JA_MOODS[mood]} · レベル${level}`,
  cardAlt: (name, level, mood) => `${name}、レベル${level}、${JA_MOODS[mood]}`,
  fedLine: (name, foods, xp) => `**このPRで${name}が食べたもの:** ${foods} → **+${xp} XP**`,
  fedNothing: (name) => `**このPRではまだ${name}は食べていません**（ボットと、今日の上限を超えた分は数えません）。`,
  fedMerged: "マージされました。ごちそうさま！🎉",
  levelUp: (name, from, to) => `🎉 **レベルアップ！** ${name}はレベル${from}からレベル${to}になりました。`,
  newOutfits: (outfits) => `👗 **新しい衣装:** ${outfits}。\`/dash wear <衣装>\` で着替えられます。`,
  contributorsHeader: ["コントリビューター", "レベル", "このPRで"],
  levelledUp: "⬆️ レベルアップ！",
  moreContributors: (n) => `…ほか${n}人`,
  xpToNext: (xp, level) => `レベル${level}まであと${xp} XP`,
  problems: (lines) => `⚠️ \`.github/dash.yml\` に問題があるため既定値を使っています: ${lines}`,
  listen: "聞く",
  footer:
    "このDartリポジトリのコミット、Issue、プルリクエスト、レビューがDashのごはんになります。コマンドは `/dash help` で。",
  food: (kind) => FOOD_LABELS.ja[kind],
  outfit: (outfit) => JA_OUTFITS[outfit],
  mood: (mood) => JA_MOODS[mood],
  list: (items) => items.join("、"),
};

/** The comment's sentences in `locale`. */
export function commentMessages(locale: Locale): CommentMessages {
  return locale === "ja" ? ja : en;
}
