import type { Feeding, FoodRules } from "../domain/foods.js";
import { type Actor, actorOf, type Json, obj, str } from "./payload.js";

/** The parts of `.github/dash.yml` that decide who is fed what. */
export interface FeedingRules {
  foods: FoodRules;
  perPushCap: number;
  ignoredUsers: readonly string[];
}

/** What an event feeds, and why some of it did not (for the debug log). */
export interface FeedingPlan {
  feedings: Feeding[];
  skipped: string[];
}

function creditable(actor: Actor | undefined, rules: FeedingRules): string | undefined {
  if (!actor) return "no author";
  if (actor.isBot) return `${actor.login} is a bot`;
  const ignored = rules.ignoredUsers.some((u) => u.toLowerCase() === actor.login.toLowerCase());
  return ignored ? `${actor.login} is in ignored_users` : undefined;
}

function repeat(count: number, feeding: Omit<Feeding, "count">): Feeding[] {
  return count > 0 ? [{ ...feeding, count }] : [];
}

/**
 * GitHub lists at most this many commits in a push payload; a longer list is not GitHub's, and is
 * read no further, so that one signed payload cannot hold the event loop with its length.
 */
export const MAX_PUSH_COMMITS = 2048;

/**
 * `push`: each distinct commit by a human author with a GitHub account is one curry, at most
 * `perPushCap` per author per push. The commit SHA is the source key, so the same commit pushed to
 * another branch (or force-pushed again) is recognised by the store and not fed twice.
 */
export function pushFeedings(payload: Json, rules: FeedingRules): FeedingPlan {
  const skipped: string[] = [];
  const listed = Array.isArray(payload.commits) ? payload.commits : undefined;
  if (!listed) return { feedings: [], skipped: ["push has no commits array"] };
  const commits = listed.slice(0, MAX_PUSH_COMMITS);
  if (listed.length > MAX_PUSH_COMMITS)
    skipped.push(`commits after the first ${MAX_PUSH_COMMITS} (GitHub lists no more)`);
  if (rules.foods.push === 0) return { feedings: [], skipped: ["push feeds 0 foods in config"] };
  const perAuthor = new Map<string, number>();
  const seen = new Set<string>();
  const feedings: Feeding[] = [];
  for (const raw of commits) {
    const commit = obj(raw);
    const sha = str(commit?.id);
    if (!commit || !sha) {
      skipped.push("commit without id");
      continue;
    }
    if (commit.distinct === false || seen.has(sha)) continue;
    seen.add(sha);
    const username = str(obj(commit.author)?.username);
    const author = username ? actorOf({ login: username }) : undefined;
    const why = username ? creditable(author, rules) : "author has no GitHub account";
    if (why || !author) {
      skipped.push(`${sha.slice(0, 7)}: ${why}`);
      continue;
    }
    const key = author.login.toLowerCase();
    const n = perAuthor.get(key) ?? 0;
    if (n >= rules.perPushCap) {
      skipped.push(`${sha.slice(0, 7)}: over the per-push cap for ${author.login}`);
      continue;
    }
    perAuthor.set(key, n + 1);
    feedings.push({ login: author.login, food: "curry", count: rules.foods.push, sourceKey: `commit:${sha}` });
  }
  return { feedings, skipped };
}

function single(actorValue: unknown, rules: FeedingRules, feeding: Omit<Feeding, "login" | "count">, count: number) {
  const actor = actorOf(actorValue);
  const why = creditable(actor, rules);
  if (why || !actor) return { feedings: [], skipped: [why ?? "no author"] };
  return { feedings: repeat(count, { ...feeding, login: actor.login }), skipped: [] };
}

/** `issues.opened`: one ramen for the issue's author. */
export function issueOpenedFeedings(payload: Json, rules: FeedingRules): FeedingPlan {
  const issue = obj(payload.issue);
  const id = issue?.id;
  if (!issue || id == null) return { feedings: [], skipped: ["issue missing"] };
  return single(issue.user, rules, { food: "ramen", sourceKey: `issue:${id}` }, rules.foods.issueOpened);
}

/** `pull_request.opened`: two mapo tofu for the PR's author. */
export function pullRequestOpenedFeedings(payload: Json, rules: FeedingRules): FeedingPlan {
  const pr = obj(payload.pull_request);
  if (!pr || pr.id == null) return { feedings: [], skipped: ["pull_request missing"] };
  return single(pr.user, rules, { food: "mapo_tofu", sourceKey: `pr-opened:${pr.id}` }, rules.foods.pullRequestOpened);
}

/** `pull_request.closed` with `merged: true`: the feast, five foods for the PR's author. */
export function pullRequestMergedFeedings(payload: Json, rules: FeedingRules): FeedingPlan {
  const pr = obj(payload.pull_request);
  if (!pr || pr.id == null) return { feedings: [], skipped: ["pull_request missing"] };
  if (pr.merged !== true) return { feedings: [], skipped: ["closed without merging"] };
  return single(pr.user, rules, { food: "feast", sourceKey: `pr-merged:${pr.id}` }, rules.foods.pullRequestMerged);
}

/** `pull_request_review.submitted`: one tteokbokki for the reviewer, unless they review their own PR. */
export function reviewFeedings(payload: Json, rules: FeedingRules): FeedingPlan {
  const review = obj(payload.review);
  const pr = obj(payload.pull_request);
  if (!review || review.id == null || !pr) return { feedings: [], skipped: ["review missing"] };
  const reviewer = actorOf(review.user);
  const author = actorOf(pr.user);
  if (reviewer && author && reviewer.login.toLowerCase() === author.login.toLowerCase()) {
    return { feedings: [], skipped: ["the PR's author reviewed their own PR"] };
  }
  return single(review.user, rules, { food: "tteokbokki", sourceKey: `review:${review.id}` }, rules.foods.review);
}
