import { createHash } from "node:crypto";
import { FOOD_LABELS } from "../domain/foods.js";
import type { Mood } from "../domain/mood.js";
import type { Outfit } from "../domain/outfits.js";
import type { ReactionFacts } from "./facts.js";

/** When a line fits: every given condition must hold. */
interface When {
  triggers?: ReactionFacts["trigger"][];
  moods?: Mood[];
  levelUp?: boolean;
  newOutfit?: boolean;
  firstMeal?: boolean;
}

interface Template {
  when: When;
  en: string;
  ja: string;
}

const MERGED: ReactionFacts["trigger"][] = ["pull_request.merged"];
const OPENED: ReactionFacts["trigger"][] = ["pull_request.opened"];
const REVIEW: ReactionFacts["trigger"][] = ["pull_request_review.submitted"];

/**
 * Dash's built-in lines, used without Gemini or whenever Gemini fails. Placeholders: {login}, {food},
 * {n} (foods), {xp} (XP gained), {level}, {next} (XP to the next level), {outfit}. Each line exists in
 * both languages so a repo's locale never changes which moment is picked.
 */
export const TEMPLATES: readonly Template[] = [
  // Merged pull requests: a feast.
  {
    when: { triggers: MERGED },
    en: "A whole feast! Thanks for the merge, {login}. That's +{xp} XP for me!",
    ja: "ごちそうだ！{login}、マージありがとう。{xp} XPもらったよ！",
  },
  {
    when: { triggers: MERGED },
    en: "Merged and delicious. {login}, that feast hit the spot!",
    ja: "マージおめでとう！{login}のごちそう、最高においしい！",
  },
  {
    when: { triggers: MERGED },
    en: "{n} plates of {food}! Best merge of the day, {login}!",
    ja: "{food}が{n}皿も！{login}、今日いちばんのマージだね！",
  },
  {
    when: { triggers: MERGED },
    en: "That merge was spicy! Only {next} XP to my next level.",
    ja: "ピリ辛のマージだった！次のレベルまであと{next} XP！",
  },
  {
    when: { triggers: MERGED },
    en: "{login} shipped it, and I ate it. Everybody wins!",
    ja: "{login}がマージして、ぼくが食べた。みんなハッピー！",
  },
  // Opened pull requests.
  {
    when: { triggers: OPENED },
    en: "Ooh, a fresh pull request! Thanks for the {food}, {login}.",
    ja: "新しいプルリクエストだ！{food}ありがとう、{login}。",
  },
  {
    when: { triggers: OPENED },
    en: "A new PR smells delicious. I can't wait for the merge feast!",
    ja: "新しいPR、いいにおい！マージのごちそうが楽しみ！",
  },
  {
    when: { triggers: OPENED },
    en: "{login} brought {food}! I'll keep an eye on this PR.",
    ja: "{login}が{food}を持ってきてくれた！このPR、見守ってるね。",
  },
  // Reviews.
  {
    when: { triggers: REVIEW },
    en: "A review! Thanks for the {food}, {login}. Careful eyes, full belly.",
    ja: "レビューありがとう、{login}！{food}おいしかった！",
  },
  {
    when: { triggers: REVIEW },
    en: "Reviews keep the code healthy and me fed. Thanks, {login}!",
    ja: "レビューはコードを元気にして、ぼくのおなかも満たすんだ。ありがとう、{login}！",
  },
  {
    when: { triggers: REVIEW },
    en: "Good review, {login}! That {food} had a nice kick.",
    ja: "いいレビューだね、{login}！{food}がピリッときいてる！",
  },
  // Any event.
  {
    when: {},
    en: "Yum, {food}! +{xp} XP. Keep it coming, {login}!",
    ja: "{food}おいしい！{xp} XPゲット。{login}、またよろしくね！",
  },
  {
    when: {},
    en: "Nom nom: {n} × {food}. Thank you, {login}!",
    ja: "もぐもぐ。{food}を{n}つもらったよ。ありがとう、{login}！",
  },
  {
    when: {},
    en: "Hot and tasty! Level {level} Dash approves.",
    ja: "熱々でおいしい！レベル{level}のダッシュも大満足！",
  },
  // The mood Dash was in before the meal.
  {
    when: { moods: ["starving"] },
    en: "Finally, food! I was starving. You saved me, {login}!",
    ja: "やっとごはん！おなかペコペコだったんだ。{login}、ありがとう！",
  },
  {
    when: { moods: ["starving"] },
    en: "It's been ages! This {food} tastes like a miracle.",
    ja: "ずっと待ってたよ！この{food}、奇跡の味がする！",
  },
  {
    when: { moods: ["hungry"] },
    en: "My tummy was rumbling. Thanks for the {food}, {login}!",
    ja: "おなかがグーグー鳴ってたんだ。{food}ありがとう、{login}！",
  },
  {
    when: { moods: ["hungry"] },
    en: "Just in time! I was getting really hungry.",
    ja: "ちょうどよかった！すごくおなかが空いてたんだ。",
  },
  {
    when: { moods: ["peckish"] },
    en: "A snack at just the right moment. Thanks, {login}!",
    ja: "ちょうど小腹が空いてたところ。ありがとう、{login}！",
  },
  {
    when: { moods: ["happy"] },
    en: "Another treat already? You spoil me, {login}!",
    ja: "もうおかわり？{login}、甘やかしすぎだよ！",
  },
  // Level-ups and outfits.
  {
    when: { levelUp: true },
    en: "Level up! I'm level {level} now. Thank you, {login}!",
    ja: "レベルアップ！ぼく、レベル{level}になったよ。ありがとう、{login}！",
  },
  {
    when: { levelUp: true },
    en: "Level {level}! I feel stronger already. More {food}, please!",
    ja: "レベル{level}！強くなった気がする。{food}おかわり！",
  },
  {
    when: { newOutfit: true },
    en: "Level {level}, and a new {outfit} outfit! How do I look?",
    ja: "レベル{level}で{outfit}の衣装をゲット！にあってるかな？",
  },
  {
    when: { newOutfit: true },
    en: "New outfit unlocked: {outfit}! Thanks for dressing me up, {login}.",
    ja: "{outfit}の衣装が解放されたよ！{login}、ありがとう！",
  },
  {
    when: { firstMeal: true },
    en: "My very first meal here! Thank you, {login}!",
    ja: "ここで初めてのごはん！{login}、ありがとう！",
  },
];

const OUTFIT_LABELS: Record<"en" | "ja", Record<Outfit, string>> = {
  en: { normal: "everyday", spring: "spring", summer: "summer", autumn: "autumn", winter: "winter" },
  ja: { normal: "いつもの", spring: "春", summer: "夏", autumn: "秋", winter: "冬" },
};

function fits(when: When, f: ReactionFacts): boolean {
  if (when.triggers && !when.triggers.includes(f.trigger)) return false;
  if (when.moods && !when.moods.includes(f.moodBefore)) return false;
  if (when.levelUp !== undefined && when.levelUp !== f.levelAfter > f.levelBefore) return false;
  if (when.newOutfit !== undefined && when.newOutfit !== (f.newOutfit !== null)) return false;
  if (when.firstMeal !== undefined && when.firstMeal !== f.firstMeal) return false;
  return true;
}

/**
 * The lines that fit this meal, most remarkable moment first: a new outfit, then a level-up, then a
 * first meal, then a hungry or starving Dash (mixed with the event's own lines), then the event.
 */
export function candidates(f: ReactionFacts): Template[] {
  const tier = (pick: (w: When) => boolean) => TEMPLATES.filter((t) => pick(t.when) && fits(t.when, f));
  const outfit = tier((w) => w.newOutfit === true);
  if (outfit.length > 0) return outfit;
  const levelUp = tier((w) => w.levelUp === true);
  if (levelUp.length > 0) return levelUp;
  const first = tier((w) => w.firstMeal === true);
  if (first.length > 0) return first;
  const plain = (w: When) => w.levelUp === undefined && w.newOutfit === undefined && w.firstMeal === undefined;
  const mood = tier((w) => plain(w) && w.moods !== undefined);
  const event = tier((w) => plain(w) && w.moods === undefined && w.triggers !== undefined);
  const general = tier((w) => plain(w) && w.moods === undefined && w.triggers === undefined);
  if (f.moodBefore === "starving" || f.moodBefore === "hungry") return [...mood, ...event];
  return [...event, ...general, ...mood];
}

/** Fills a line's placeholders from the facts (the login is already a validated plain login). */
export function fill(text: string, f: ReactionFacts): string {
  const locale = f.locale;
  const food = f.mainFood ? FOOD_LABELS[locale][f.mainFood] : locale === "ja" ? "ごはん" : "food";
  const login = f.contributor
    ? locale === "ja"
      ? `${f.contributor}さん`
      : f.contributor
    : locale === "ja"
      ? "みんな"
      : "friend";
  const values: Record<string, string> = {
    login,
    food,
    n: String(f.foodCount),
    xp: String(f.xpGained),
    level: String(f.levelAfter),
    next: String(f.xpToNextLevel),
    outfit: f.newOutfit ? OUTFIT_LABELS[locale][f.newOutfit] : "",
  };
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** A built-in line for these facts; `seed` (e.g. the delivery id) picks among the fitting ones. */
export function templateLine(f: ReactionFacts, seed: string): string {
  const pool = candidates(f);
  const index = createHash("sha256").update(seed).digest().readUInt32BE(0) % Math.max(1, pool.length);
  const chosen = pool[index] ?? TEMPLATES[11];
  return fill(chosen ? chosen[f.locale] : "", f);
}
