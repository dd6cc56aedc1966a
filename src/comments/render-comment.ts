import { FOOD_KINDS, type FoodKind, XP_PER_FOOD } from "../domain/foods.js";
import { inlineText, problemText, safeUrl } from "./markdown.js";
import { commentMessages } from "./messages.js";
import type { CommentModel, PrReaction } from "./model.js";

/**
 * The hidden marker that identifies Dash's sticky comment. It is only trusted on comments written
 * by the App itself (see find-comment.ts), so a user cannot get their comment edited by quoting it.
 */
export const COMMENT_MARKER = "<!-- repositori:dash -->";

/** At most this many problems are spelled out; the line stays one line. */
const MAX_PROBLEMS = 3;

/** "3 × curry, 1 × tteokbokki", in the fixed food order. */
export function foodList(fed: Partial<Record<FoodKind, number>>, locale: CommentModel["locale"]): string {
  const m = commentMessages(locale);
  return m.list(FOOD_KINDS.filter((k) => (fed[k] ?? 0) > 0).map((k) => `${fed[k]} × ${m.food(k)}`));
}

function reactionLines(reaction: PrReaction, locale: CommentModel["locale"]): string[] {
  const m = commentMessages(locale);
  const lines: string[] = [];
  const text = inlineText(reaction.text, 280);
  if (text) lines.push(locale === "ja" ? `> 💬 「${text}」` : `> 💬 “${text}”`);
  const audio = safeUrl(reaction.audioUrl);
  if (audio) {
    const credit = reaction.credit ? ` (${inlineText(reaction.credit, 80)})` : "";
    lines.push(`> 🔊 [${m.listen}](${audio})${credit}`);
  }
  const note = inlineText(reaction.note ?? "", 160);
  if (note) lines.push(`> <sub>${note}</sub>`);
  // Consecutive quote lines join into one paragraph; a blank quote line keeps them apart.
  return lines.flatMap((l, i) => (i === 0 ? [l] : [">", l]));
}

/** The sticky PR comment as Markdown: pure, everything user-controlled neutralised. */
export function renderComment(model: CommentModel): string {
  const m = commentMessages(model.locale);
  const name = inlineText(model.dashName, 40);
  const out: string[] = [COMMENT_MARKER];

  const card = safeUrl(model.cardUrl);
  if (card) out.push(`![${inlineText(m.cardAlt(model.dashName, model.level, model.mood), 120)}](${card})`, "");

  out.push(`${m.moodLine(name, model.mood, model.level)} · ${m.xpToNext(model.xpToNextLevel, model.level + 1)}`, "");

  const fedFoods = Object.values(model.fed).reduce((n, c) => n + (c ?? 0), 0);
  const facts: string[] = [
    fedFoods > 0 ? m.fedLine(name, foodList(model.fed, model.locale), fedFoods * XP_PER_FOOD) : m.fedNothing(name),
  ];
  if (model.merged) facts.push(m.fedMerged);
  if (model.levelUpFrom !== null && model.levelUpFrom < model.level) {
    facts.push(m.levelUp(name, model.levelUpFrom, model.level));
  }
  if (model.newOutfits.length > 0) facts.push(m.newOutfits(m.list(model.newOutfits.map((o) => m.outfit(o)))));
  // Two trailing spaces: a hard line break, so the facts stay one short block.
  out.push(facts.join("  \n"), "");

  if (model.reaction) {
    const quote = reactionLines(model.reaction, model.locale);
    if (quote.length > 0) out.push(...quote, "");
  }

  if (model.contributors.length > 0) {
    const [who, level, fed] = m.contributorsHeader;
    out.push(`| ${who} | ${level} | ${fed} |`, "| --- | --- | --- |");
    for (const c of model.contributors) {
      const up = c.levelledUp ? ` ${m.levelledUp}` : "";
      out.push(`| ${inlineText(c.login, 39)} | ${c.level}${up} | +${c.xpFromPr} XP |`);
    }
    if (model.moreContributors > 0) out.push("", m.moreContributors(model.moreContributors));
    out.push("");
  }

  if (model.problems.length > 0) {
    const shown = model.problems.slice(0, MAX_PROBLEMS).map((p) => problemText(p, 200));
    const rest = model.problems.length - shown.length;
    out.push(m.problems(`${shown.join("; ")}${rest > 0 ? ` (+${rest})` : ""}`), "");
  }

  out.push(`<sub>${m.footer}</sub>`);
  return `${out.join("\n")}\n`;
}
