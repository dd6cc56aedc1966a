import { countByFood, XP_PER_FOOD } from "../domain/foods.js";
import { levelForXp } from "../domain/levels.js";
import { dayKey } from "../domain/time.js";
import { isBotLogin } from "../github/payload.js";
import { CARD_TOP } from "../render/card-model.js";
import { cardUrl } from "../render/links.js";
import type { PrRecord } from "../store/comment-store.js";
import { loadRepoDash } from "../views/load-dash.js";
import type { CommentDeps } from "./deps.js";
import type { CommentModel, PrContributor } from "./model.js";
import { commentModelOf } from "./model-of.js";

/**
 * Gathers what the comment shows from the store alone (no GitHub calls): the repo's Dash now, what
 * this PR fed, and its contributors' personal levels. Null when the repo has no Dash yet.
 */
export async function buildCommentModel(
  deps: Pick<CommentDeps, "store" | "comments" | "publicUrl" | "now" | "maxContributors">,
  pr: PrRecord,
): Promise<CommentModel | null> {
  const repo = await deps.store.getRepoById(pr.repoId);
  if (!repo) return null;
  const now = deps.now();
  // The same view as the card route (top 3), so the link's version matches the card it points at.
  const view = await loadRepoDash(deps.store, repo.owner, repo.name, { now, token: repo.badgeToken, top: CARD_TOP });
  if (!view) return null;
  const { state } = view;

  const tally = await deps.comments.tally(pr);
  const xpByLogin = new Map<string, number>();
  for (const row of tally) {
    const k = row.login.toLowerCase();
    xpByLogin.set(k, (xpByLogin.get(k) ?? 0) + row.count * XP_PER_FOOD);
  }
  const utcDay = dayKey(now, "UTC");
  const contributors: PrContributor[] = [];
  for (const c of await deps.comments.contributors(pr)) {
    if (isBotLogin(c.login) || (await deps.store.isOptedOut(pr.repoId, c.login))) continue;
    const personal = await deps.store.getUserDash(c.login, { utcDay });
    const xp = personal?.xp ?? 0;
    contributors.push({
      login: c.login,
      level: levelForXp(xp),
      xpFromPr: xpByLogin.get(c.login.toLowerCase()) ?? 0,
      levelledUp: levelForXp(xp) > levelForXp(c.xpStart),
    });
  }
  const author = pr.authorLogin?.toLowerCase();
  contributors.sort(
    (a, b) =>
      Number(b.login.toLowerCase() === author) - Number(a.login.toLowerCase() === author) ||
      b.xpFromPr - a.xpFromPr ||
      a.login.localeCompare(b.login),
  );

  return commentModelOf({
    state,
    locale: pr.locale,
    cardUrl: cardUrl(deps.publicUrl, repo.owner, repo.name, state, { token: repo.private ? repo.badgeToken : null }),
    fed: countByFood(tally),
    contributors,
    maxContributors: deps.maxContributors,
    levelFrom: pr.repoXpStart === null ? null : levelForXp(pr.repoXpStart),
    merged: pr.merged,
    problems: pr.problems,
    reaction: pr.reaction?.named && (await deps.store.isOptedOut(pr.repoId, pr.reaction.named)) ? null : pr.reaction,
  });
}
