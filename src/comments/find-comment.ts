import type { Octokit } from "./deps.js";
import { COMMENT_MARKER } from "./render-comment.js";

/** The parts of an issue comment that decide whether it is Dash's. */
export interface CommentLike {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number } | null;
}

/**
 * True only for a comment this App wrote that carries the marker. The marker alone is not enough:
 * anyone can paste it, and Dash must never edit a human's comment (or another App's).
 */
export function isDashComment(comment: CommentLike, appId: number | null): boolean {
  if (appId === null) return false;
  const user = comment.user;
  if (user?.type !== "Bot" || !user.login.endsWith("[bot]")) return false;
  if (comment.performed_via_github_app?.id !== appId) return false;
  return (comment.body ?? "").startsWith(COMMENT_MARKER);
}

/** Dash's comments on a PR, page by page in the order GitHub lists them (oldest first). */
export async function* dashComments(
  octokit: Octokit,
  where: { owner: string; repo: string; prNumber: number },
  appId: number | null,
): AsyncGenerator<{ id: number; body: string }> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.prNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const comment of page.data) {
      if (isDashComment(comment, appId)) yield { id: comment.id, body: comment.body ?? "" };
    }
  }
}

/** Looks through the PR's comments for Dash's (e.g. after its id was lost); null when there is none. */
export async function findDashComment(
  octokit: Octokit,
  where: { owner: string; repo: string; prNumber: number },
  appId: number | null,
): Promise<{ id: number; body: string } | null> {
  // Stops at the first: the pages after it are not fetched.
  for await (const comment of dashComments(octokit, where, appId)) return comment;
  return null;
}
