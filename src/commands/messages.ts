import type { Locale } from "../comments/model.js";
import type { Mood } from "../domain/mood.js";
import type { Access } from "./permissions.js";

/**
 * The sentences of `/dash` replies in English and Japanese. Arguments are already-neutralised
 * Markdown (names, outfits, command text); nothing here adds user-controlled text.
 */
export interface CommandMessages {
  statusHeading(name: string, mood: Mood, level: number): string;
  statusNumbers(xp: number, toNext: number, nextLevel: number, foods: number, today: number): string;
  statusOutfit(outfit: string, unlocked: string): string;
  statusTop(list: string): string;
  notFedYet(name: string): string;
  wearDone(name: string, outfit: string): string;
  wearAuto(name: string, outfit: string): string;
  wearConfigured(name: string, outfit: string): string;
  wearLocked(outfit: string, unlockLevel: number, name: string, level: number, unlocked: string): string;
  wearUnknown(text: string, choices: string): string;
  nameDone(name: string): string;
  nameReset(name: string): string;
  nameEmpty: string;
  nameTooLong(max: number): string;
  optedOut: string;
  optedIn: string;
  badgeIntro: string;
  badgePrivate: string;
  badgeRotated: string;
  rotatePublic: string;
  denied(command: string, need: Access, have: Access): string;
  usage(command: "wear" | "name"): string;
  unknown(text: string): string;
  help: string;
  access(access: Access): string;
}

const en: CommandMessages = {
  statusHeading: (name, mood, level) => `### ${name} is ${mood} · level ${level}`,
  statusNumbers: (xp, toNext, nextLevel, foods, today) =>
    `**${xp} XP** · ${toNext} XP to level ${nextLevel} · ${foods} foods eaten (${today} today)`,
  statusOutfit: (outfit, unlocked) => `Wearing **${outfit}** · unlocked: ${unlocked}`,
  statusTop: (list) => `Top contributors: ${list}`,
  notFedYet: (name) =>
    `${name} has not eaten in this repository yet. Push a commit, open an issue or a pull request, or review one to feed it! 🍛`,
  wearDone: (name, outfit) => `👗 ${name} now wears **${outfit}**.`,
  wearAuto: (name, outfit) => `👗 ${name} wears its newest unlocked outfit again (**${outfit}** for now).`,
  wearConfigured: (name, outfit) => `👗 ${name} wears the outfit set in \`.github/dash.yml\` again (**${outfit}**).`,
  wearLocked: (outfit, unlockLevel, name, level, unlocked) =>
    `🔒 **${outfit}** unlocks at level ${unlockLevel}, and ${name} is level ${level}. Unlocked so far: ${unlocked}.`,
  wearUnknown: (text, choices) => `I don't know the outfit ${text}. Outfits: ${choices}, or \`auto\`.`,
  nameDone: (name) => `✏️ Dash is now called **${name}**.`,
  nameReset: (name) => `✏️ Dash's name is back to **${name}** (from \`.github/dash.yml\`, or the default).`,
  nameEmpty: "That name has nothing left once symbols are removed. Use letters, numbers, spaces and `- _ . ' ! ? ~`.",
  nameTooLong: (max) => `That name is too long: Dash answers to at most ${max} characters.`,
  optedOut:
    "👋 Done: you are no longer listed in Dash's comments or on this repository's leaderboard. Your foods still count for Dash. Comment `/dash optin` to come back.",
  optedIn: "🎉 Welcome back: you are listed in Dash's comments and on the leaderboard again.",
  badgeIntro: "Put Dash in your README with one of these:",
  badgePrivate:
    "🔑 This repository is private, so these links carry its badge token: anyone who has them can see Dash's card (and nothing else). An admin can retire them with `/dash badge rotate`.",
  badgeRotated: "🔑 New badge token issued: the old links no longer show Dash. Update your README with these:",
  rotatePublic: "This repository is public: its badge needs no token, so there is nothing to rotate.",
  denied: (command, need, have) =>
    `Sorry, only people with **${need}** access to this repository can use ${command} (you have ${en.access(have)}).`,
  usage: (command) =>
    command === "wear" ? "Usage: `/dash wear <outfit>`, e.g. `/dash wear summer`." : "Usage: `/dash name <name>`.",
  unknown: (text) => `I don't know ${text}. Comment \`/dash help\` to see what I can do.`,
  help: [
    "Dash understands these commands in issue and pull request comments:",
    "",
    "| Command | What it does | Who |",
    "| --- | --- | --- |",
    "| `/dash` | Dash's card, level, XP and mood | everyone |",
    "| `/dash wear <outfit>` | change Dash's outfit (unlocked ones, or `auto`) | write access |",
    "| `/dash name <name>` | rename Dash (`reset` for the configured name) | write access |",
    "| `/dash optout` / `/dash optin` | leave / rejoin Dash's comments and leaderboard | everyone |",
    "| `/dash badge` | README snippets for Dash's badge | write access |",
    "| `/dash badge rotate` | new badge token for a private repository | admin |",
    "| `/dash help` | this list | everyone |",
  ].join("\n"),
  access: (access) => (access === "none" ? "no access" : `${access} access`),
};

const JA_MOODS: Record<Mood, string> = {
  happy: "ごきげん",
  peckish: "小腹がすいた",
  hungry: "おなかぺこぺこ",
  starving: "はらぺこで倒れそう",
};
const JA_ACCESS: Record<Access, string> = { admin: "管理者", write: "書き込み", read: "読み取り", none: "なし" };

const ja: CommandMessages = {
  statusHeading: (name, mood, level) => `### ${name}は${JA_MOODS[mood]} · レベル${level}`,
  statusNumbers: (xp, toNext, nextLevel, foods, today) =>
    `**${xp} XP** · レベル${nextLevel}まであと${toNext} XP · 食べた数 ${foods}（今日 ${today}）`,
  statusOutfit: (outfit, unlocked) => `衣装: **${outfit}** · 解放済み: ${unlocked}`,
  statusTop: (list) => `よく食べさせてくれた人: ${list}`,
  notFedYet: (name) =>
    `${name}はこのリポジトリでまだ何も食べていません。コミット、Issue、プルリクエスト、レビューでごはんをあげましょう！🍛`,
  wearDone: (name, outfit) => `👗 ${name}は **${outfit}** の衣装に着替えました。`,
  wearAuto: (name, outfit) => `👗 ${name}は最新の衣装を着ます（今は **${outfit}**）。`,
  wearConfigured: (name, outfit) => `👗 ${name}は \`.github/dash.yml\` で指定された衣装に戻ります（**${outfit}**）。`,
  wearLocked: (outfit, unlockLevel, name, level, unlocked) =>
    `🔒 **${outfit}** はレベル${unlockLevel}で解放されます。${name}は今レベル${level}です。解放済み: ${unlocked}。`,
  wearUnknown: (text, choices) => `${text} という衣装はありません。衣装: ${choices}、または \`auto\`。`,
  nameDone: (name) => `✏️ Dashの名前は **${name}** になりました。`,
  nameReset: (name) => `✏️ Dashの名前を **${name}** に戻しました（\`.github/dash.yml\` または既定値）。`,
  nameEmpty: "記号を取り除くと名前が残りません。文字、数字、空白と `- _ . ' ! ? ~` が使えます。",
  nameTooLong: (max) => `名前が長すぎます。${max}文字までにしてください。`,
  optedOut:
    "👋 このリポジトリのDashのコメントとランキングにあなたの名前を出さないようにしました。食べさせた分はDashに残ります。戻すには `/dash optin` とコメントしてください。",
  optedIn: "🎉 おかえりなさい。Dashのコメントとランキングにまた名前が出ます。",
  badgeIntro: "READMEにDashを載せるには、次のどれかを貼ってください:",
  badgePrivate:
    "🔑 このリポジトリは非公開なので、リンクにバッジ用トークンが含まれています。リンクを知っている人はDashのカードだけを見られます。管理者は `/dash badge rotate` で古いリンクを無効にできます。",
  badgeRotated:
    "🔑 新しいバッジ用トークンを発行しました。古いリンクではDashが表示されなくなります。READMEを次の内容に更新してください:",
  rotatePublic: "このリポジトリは公開されているので、バッジにトークンは不要です。",
  denied: (command, need, have) =>
    `ごめんなさい、${command} はこのリポジトリに**${JA_ACCESS[need]}**権限がある人だけが使えます（あなたの権限: ${JA_ACCESS[have]}）。`,
  usage: (command) =>
    command === "wear" ? "使い方: `/dash wear <衣装>`（例: `/dash wear summer`）" : "使い方: `/dash name <名前>`",
  unknown: (text) => `${text} はわかりません。\`/dash help\` でコマンドの一覧を見られます。`,
  help: [
    "IssueやプルリクエストのコメントでDashに話しかけられます:",
    "",
    "| コマンド | できること | 使える人 |",
    "| --- | --- | --- |",
    "| `/dash` | Dashのカード、レベル、XP、きげん | 誰でも |",
    "| `/dash wear <衣装>` | 衣装を変える（解放済みのもの、または `auto`） | 書き込み権限 |",
    "| `/dash name <名前>` | 名前を変える（`reset` で設定の名前に戻す） | 書き込み権限 |",
    "| `/dash optout` / `/dash optin` | コメントとランキングから外れる／戻る | 誰でも |",
    "| `/dash badge` | README用バッジのコード | 書き込み権限 |",
    "| `/dash badge rotate` | 非公開リポジトリのバッジ用トークンを作り直す | 管理者 |",
    "| `/dash help` | この一覧 | 誰でも |",
  ].join("\n"),
  access: (access) => JA_ACCESS[access],
};

/** Reply sentences in `locale`. */
export function commandMessages(locale: Locale): CommandMessages {
  return locale === "ja" ? ja : en;
}
