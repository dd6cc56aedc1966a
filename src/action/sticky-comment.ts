import { createHash } from "node:crypto";
import type { CommentModel, PrContributor } from "../comments/model.js";
import { commentModelOf } from "../comments/model-of.js";
import { COMMENT_MARKER } from "../comments/render-comment.js";
import type { RepoConfig } from "../config/repo-config.js";
import type { Ledger } from "../domain/ledger.js";
import { levelForXp } from "../domain/levels.js";
import type { DashState } from "../domain/state.js";
import { isBotLogin } from "../github/payload.js";
import type { ActionTrigger } from "./event-plan.js";
import type { GitApi } from "./state-branch.js";

/** The identity `GITHUB_TOKEN` comments as. */
export const ACTIONS_BOT = "github-actions[bot]";

/** The card file that links show: the SVG, unless the `formats` input writes only the PNG. */
export function cardFileOf(formats: readonly string[]): "dash.svg" | "dash.png" {
  return formats.includes("svg") ? "dash.svg" : "dash.png";
}

/**
 * The card on the state branch, through github.com's `?raw=true` redirect so private repositories
 * work for anyone who can see the PR; `v` changes with the state so GitHub's image proxy refetches.
 */
export function stateBranchCardUrl(
  serverUrl: string,
  owner: string,
  repo: string,
  branch: string,
  state: DashState,
  file: "dash.svg" | "dash.png" = "dash.svg",
): string {
  const v = createHash("sha256")
    .update(JSON.stringify([state.level, state.xp, state.mood, state.outfit, state.background, state.name]))
    .digest("hex")
    .slice(0, 12);
  return `${serverUrl}/${owner}/${repo}/blob/${branch}/${file}?raw=true&v=${v}`;
}

/** The comment model for a PR from the ledger: the same renderer as the App's comment. */
export function ledgerCommentModel(
  ledger: Ledger,
  state: DashState,
  opts: { prNumber: number; locale: "en" | "ja"; cardUrl: string; merged: boolean; problems: string[] },
): CommentModel {
  const pr = ledger.prs[String(opts.prNumber)];
  const contributors: PrContributor[] = Object.entries(pr?.contributors ?? {})
    .filter(([login]) => !isBotLogin(login) && !ledger.contributors[login.toLowerCase()]?.optedOut)
    .map(([login, xpFromPr]) => {
      const xp = ledger.contributors[login.toLowerCase()]?.xp ?? 0;
      return { login, level: levelForXp(xp), xpFromPr, levelledUp: levelForXp(xp) > levelForXp(xp - xpFromPr) };
    })
    .sort((a, b) => b.xpFromPr - a.xpFromPr || a.login.localeCompare(b.login));
  return commentModelOf({
    state,
    locale: opts.locale,
    cardUrl: opts.cardUrl,
    fed: pr?.fed ?? {},
    contributors,
    maxContributors: 10,
    levelFrom: pr?.levelAtStart ?? null,
    merged: opts.merged,
    problems: opts.problems,
    reaction: null,
  });
}

/**
 * Whether this event may touch the sticky comment and whether it may create it, by the App's rule
 * (src/comments/on-fed.ts, pr-events.ts, upsert.ts): an event that feeds the PR (opened, a review,
 * the merge, a push to the PR's branch) posts the comment or brings it up to date; new commits
 * (`synchronize`) only re-render a
 * comment that exists, since they feed through the push, not through the PR; `reopened` leaves it
 * alone. `comment: merged-only` holds the first post back until the merge, `off` touches no comment.
 * Null when no comment may be touched.
 */
export function commentPolicy(
  trigger: ActionTrigger,
  mode: RepoConfig["comment"],
  merged: boolean,
): { create: boolean } | null {
  if (mode === "off") return null;
  switch (trigger) {
    case "pull_request.opened":
    case "pull_request.merged":
    case "pull_request_review.submitted":
      return { create: mode === "always" || merged };
    case "pull_request.synchronize":
      return { create: false };
    case "push":
      // A push to an open PR's branch feeds the PR, as in the App; `merged-only` only keeps a comment
      // that exists up to date (one posted before the setting changed).
      return { create: mode === "always" };
    default:
      return null;
  }
}

interface ApiComment {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
}

/** What an upsert did, and the comment's id (null when there is none). */
export interface StickyResult {
  done: "created" | "updated" | "unchanged" | "skipped" | "deleted";
  id: number | null;
}

/**
 * Edits the Action's comment on the PR, or creates it when `create`. With `knownId` (the ledger
 * remembers it) the comment is read and edited by id, whoever the token is, and a comment that is
 * gone was deleted by someone: nothing is posted again. Without, the PR's comments are searched for
 * the marked one `github-actions[bot]` wrote.
 */
export async function upsertStickyComment(
  api: GitApi,
  where: { owner: string; repo: string; prNumber: number },
  body: string,
  opts: { create: boolean; knownId?: number | null },
): Promise<StickyResult> {
  let existing: ApiComment | undefined;
  if (opts.knownId) {
    try {
      const { data } = await api.request("GET /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner: where.owner,
        repo: where.repo,
        comment_id: opts.knownId,
      });
      existing = data as ApiComment;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return { done: "deleted", id: opts.knownId };
      throw err;
    }
  }
  for (let page = 1; page <= 30 && !existing && !opts.knownId; page++) {
    const { data } = await api.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: where.owner,
      repo: where.repo,
      issue_number: where.prNumber,
      per_page: 100,
      page,
    });
    const list = data as ApiComment[];
    existing = list.find((c) => c.user?.login === ACTIONS_BOT && (c.body ?? "").startsWith(COMMENT_MARKER));
    if (list.length < 100) break;
  }
  if (existing) {
    if (existing.body === body) return { done: "unchanged", id: existing.id };
    await api.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner: where.owner,
      repo: where.repo,
      comment_id: existing.id,
      body,
    });
    return { done: "updated", id: existing.id };
  }
  if (!opts.create) return { done: "skipped", id: null };
  const { data } = await api.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.prNumber,
    body,
  });
  const id = (data as { id?: unknown }).id;
  return { done: "created", id: typeof id === "number" ? id : null };
}
