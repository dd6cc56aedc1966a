import { MAX_DASH_NAME } from "../commands/dash-name.js";
import { type DashCommand, parseCommand } from "../commands/parse.js";
import { inlineText } from "../comments/markdown.js";
import { MAX_PRS_PER_BRANCH, prOf, pushedBranch } from "../comments/pr-info.js";
import { quietPr } from "../comments/quiet.js";
import type { RepoConfig } from "../config/repo-config.js";
import { countByFood } from "../domain/foods.js";
import {
  commentIdOf,
  feedLedger,
  type Ledger,
  type LedgerFeedResult,
  nothingFed,
  rememberComments,
  tallyPr,
} from "../domain/ledger.js";
import { levelForXp } from "../domain/levels.js";
import type { DashState } from "../domain/state.js";
import { dayKey } from "../domain/time.js";
import { displayOf, rulesOf } from "../github/feed-rules.js";
import { actorOf, type Json, obj, str } from "../github/payload.js";
import { repoRefOf } from "../github/repo-ref.js";
import { planFor } from "./event-plan.js";
import type { ActionInputs } from "./inputs.js";
import { LedgerStore } from "./ledger-store.js";
import { ledgerState } from "./ledger-view.js";
import { type BranchFile, type GitApi, LEDGER_PATH, StateBranch } from "./state-branch.js";
import { cardFileOf, commentPolicy, type StickyResult } from "./sticky-comment.js";

/** What GitHub's runner tells the Action about this run. */
export interface RunContext {
  eventName: string;
  payload: Json;
  owner: string;
  repo: string;
  /** `GITHUB_RUN_ID`: the same for every attempt of a run, so a re-run feeds nothing new. */
  runId: string;
  serverUrl: string;
}

export interface ActionLog {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
}

export interface RenderedCard {
  svg: string;
  png?: Uint8Array;
}

export interface ActionDeps {
  api: GitApi;
  inputs: ActionInputs;
  run: RunContext;
  /** `.github/dash.yml` from the default branch as parsed config, or the defaults. */
  config: RepoConfig;
  now: () => Date;
  log: ActionLog;
  renderCard(state: DashState, lang: "en" | "ja"): Promise<RenderedCard>;
  /**
   * Updates the sticky comment on a pull request, or creates it when `create` (the event and the
   * repo's `comment` setting decide, see commentPolicy); throws GitHub's error on failure.
   */
  upsertComment?(
    prNumber: number,
    ledger: Ledger,
    state: DashState,
    feed: LedgerFeedResult,
    opts: { create: boolean; knownId: number | null },
  ): Promise<StickyResult>;
  /** Runs a `/dash` command against the ledger's store and returns the reply (the App's runner). */
  runCommand?(store: LedgerStore, login: string, command: DashCommand, config: RepoConfig): Promise<string>;
  /** Posts a reply on the issue or PR the command came from. */
  reply?(markdown: string): Promise<void>;
  sleep?(ms: number): Promise<void>;
}

export interface ActionResult {
  state: DashState | null;
  ledger: Ledger | null;
  /** Foods fed by this run. */
  foods: number;
  card: RenderedCard | null;
  /** Markdown for the job summary. */
  summary: string;
  /** Set when the run wrote nothing because the token cannot (fork PRs). */
  readOnly: boolean;
}

const MAX_ATTEMPTS = 10;

/** An error that tells the workflow author exactly what to change. */
export class ActionConfigError extends Error {}

function status(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

/**
 * GitHub refused the call for its rate limits (403 or 429, saying so or with no requests left), not
 * for a missing permission: waiting, not a change of the workflow, is the cure.
 */
function rateLimited(err: unknown): boolean {
  const e = err as { status?: number; message?: unknown; response?: { headers?: Record<string, unknown> } };
  if (e.status !== 403 && e.status !== 429) return false;
  const headers = e.response?.headers ?? {};
  return (
    e.status === 429 ||
    /rate limit/i.test(String(e.message ?? "")) ||
    headers["retry-after"] !== undefined ||
    String(headers["x-ratelimit-remaining"]) === "0"
  );
}

function isForkPr(payload: Json): boolean {
  const pr = obj(payload.pull_request);
  if (!pr) return false;
  const headRepo = obj(pr.head)?.repo;
  // A PR whose fork was deleted names no head repository: it came from a fork all the same.
  if (headRepo === null) return true;
  const head = obj(headRepo)?.full_name;
  const base = obj(obj(pr.base)?.repo)?.full_name;
  return typeof head === "string" && typeof base === "string" && head !== base;
}

/**
 * One Action run: event → feedings (the App's rules) → the ledger on the state branch, written with
 * compare-and-swap and retried on a race → card files → sticky comment → result for outputs/summary.
 */
export async function runAction(deps: ActionDeps): Promise<ActionResult> {
  const { run, log, inputs } = deps;
  if (deps.config.enabled === false) {
    log.notice("`.github/dash.yml` says `enabled: false`: Dash is not fed here and /dash commands get no answer.");
    return { state: null, ledger: null, foods: 0, card: null, summary: "", readOnly: false };
  }
  const chosen = planFor(run.eventName, run.payload);
  if (typeof chosen === "string") {
    log.notice(
      `ReposiTori does nothing on ${chosen} events; Dash is fed by push, issues, pull_request and pull_request_review, and answers /dash in issue_comment.`,
    );
    return { state: null, ledger: null, foods: 0, card: null, summary: "", readOnly: false };
  }
  const config: RepoConfig = {
    ...deps.config,
    ...(inputs.timezone ? { timezone: inputs.timezone } : {}),
    ...(inputs.locale ? { locale: inputs.locale } : {}),
  };
  const deliveryId = `run-${run.runId}`;
  const prNumber = prNumberOf(run.payload);
  let branchPrs: BranchPr[] = [];
  let step: LedgerStep;
  if (chosen.trigger === "issue_comment.created") {
    const command = commandStep(deps, config, deliveryId);
    if (!command) return { state: null, ledger: null, foods: 0, card: null, summary: "", readOnly: false };
    step = command;
  } else {
    const { feedings, skipped } = chosen.plan
      ? chosen.plan(run.payload, rulesOf(config))
      : { feedings: [], skipped: [] };
    for (const why of skipped.slice(0, 10)) log.info(`not fed: ${why}`);
    // As in the App, a push feeds the open PRs whose head is the pushed branch: their comments show it.
    if (
      chosen.trigger === "push" &&
      feedings.length > 0 &&
      inputs.comment &&
      config.comment !== "off" &&
      deps.upsertComment
    ) {
      branchPrs = await openPrsOfPush(deps);
    }
    step = async (ledger, at) => {
      const feed = feedLedger(ledger, {
        deliveryId,
        feedings,
        at,
        day: dayKey(at, config.timezone),
        dailyCap: config.daily_cap,
      });
      const levelBefore = levelForXp(feed.repo.xpBefore);
      let next = prNumber === null ? feed.ledger : tallyPr(feed.ledger, prNumber, feed.applied, levelBefore);
      for (const pr of branchPrs) next = tallyPr(next, pr.number, feed.applied, levelBefore);
      // A run that ate nothing new writes nothing: the sources it saw are already in the ledger. One
      // whose food was all over the daily cap still writes: its sources are eaten (as in the App's
      // store), so neither a re-run nor the same commits on another branch feed them tomorrow.
      const ate = feed.applied.length > 0 || feed.ledger.sources.length > ledger.sources.length;
      return { ledger: next, feed, changed: ate };
    };
  }

  const outcome = await commitStep(deps, config, step, chosen.trigger);
  const { ledger, state, feed, card } = outcome;
  let { readOnly } = outcome;
  if (feed.duplicateDelivery) log.info("This workflow run has been handled already (a re-run): nothing new to do.");
  const foods = feed.applied.reduce((n, f) => n + f.count, 0);
  // [PR, comment id, posted by this run] of the comments this run found or posted.
  const found: FoundComment[] = [];
  try {
    if (outcome.reply !== undefined) {
      if (!feed.duplicateDelivery && !readOnly) await deps.reply?.(outcome.reply);
    } else if (prNumber !== null && inputs.comment && deps.upsertComment && !readOnly) {
      const pr = prOf(run.payload)?.info;
      const policy = commentPolicy(chosen.trigger, config.comment, pr?.merged === true);
      // As in the App: a bot's or an ignored user's PR gets no comment, whoever feeds Dash on it.
      if (policy && !quietPr(pr?.authorLogin ?? null, config)) {
        const opts = { create: policy.create, knownId: commentIdOf(ledger, prNumber) };
        const result = await deps.upsertComment(prNumber, ledger, state, feed, opts);
        if (result.id !== null) found.push([prNumber, result.id, result.done === "created"]);
      }
    } else if (branchPrs.length > 0 && feed.applied.length > 0 && deps.upsertComment && !readOnly) {
      found.push(...(await commentOnBranchPrs(deps, config, branchPrs, { ledger, state, feed })));
    }
  } catch (err) {
    if (rateLimited(err)) {
      // The feeding is stored: the comment catches up with the next run.
      log.warning(`GitHub's rate limit refused Dash's comment (${reasonOf(err)}); the next run brings it up to date.`);
    } else {
      if (status(err) !== 403) throw err;
      if (!isForkPr(run.payload)) {
        throw new ActionConfigError(
          "The token cannot comment (HTTP 403). Add `permissions:\\n  pull-requests: write` and `issues: write` to the job.",
        );
      }
      readOnly = true;
    }
  }
  const subject = `${run.owner}/${run.repo}`;
  if (!readOnly) await rememberCommentIds(deps, config, ledger, found);
  return { state, ledger, foods, card, summary: summaryOf(state, feed, subject, readOnly, run, inputs), readOnly };
}

/**
 * Writes the ids of comments new to the ledger (once per PR), so that they are edited by id and one
 * someone deletes stays deleted. The feeding and the comment are done already: a failure here is a
 * warning. Skipped where the token cannot write (a fork's `pull_request`). A comment this run posted
 * on a PR whose comment another run noted first is a second one: it is deleted.
 */
async function rememberCommentIds(
  deps: ActionDeps,
  config: RepoConfig,
  ledger: Ledger,
  found: readonly FoundComment[],
): Promise<void> {
  const fresh = found.filter(([pr, id]) => commentIdOf(ledger, pr) !== id);
  if (fresh.length === 0 || (deps.run.eventName === "pull_request" && isForkPr(deps.run.payload))) return;
  let duplicates: FoundComment[] = [];
  try {
    await commitStep(
      deps,
      config,
      async (latest) => {
        // A run racing this one may have noted its comment on the PR first: the first noted is kept.
        const unnoted = fresh.filter(([pr]) => commentIdOf(latest, pr) === null);
        duplicates = fresh.filter(([pr, id, posted]) => posted && ![null, id].includes(commentIdOf(latest, pr)));
        return {
          ledger: rememberComments(
            latest,
            unnoted.map(([pr, id]) => [pr, id]),
          ),
          feed: nothingFed(latest),
          changed: unnoted.length > 0,
          message: `Dash's comment on #${unnoted.map(([pr]) => pr).join(", #")}`,
        };
      },
      "comment",
    );
  } catch (err) {
    deps.log.warning(`Could not note Dash's comment in the ledger (${reasonOf(err)}); the next run tries again.`);
    return;
  }
  for (const [pr, id] of duplicates) {
    try {
      await deps.api.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner: deps.run.owner,
        repo: deps.run.repo,
        comment_id: id,
      });
      deps.log.info(`Another run posted Dash's comment on #${pr} at the same time; this run's copy was deleted.`);
    } catch (err) {
      deps.log.warning(`Could not delete the second Dash comment on #${pr} (${reasonOf(err)}).`);
    }
  }
}

/** A PR's Dash comment that a run found or posted: [PR, comment id, posted by this run]. */
type FoundComment = [pr: number, id: number, posted: boolean];

interface BranchPr {
  number: number;
  author: string | null;
}

/**
 * The open PRs whose head is the pushed branch of this repository (a fork's commits never arrive as
 * pushes here), at most MAX_PRS_PER_BRANCH. The list only serves their comments: when GitHub cannot
 * give it (no `pull-requests` permission, an outage), the push still feeds Dash and the log says so.
 */
async function openPrsOfPush(deps: ActionDeps): Promise<BranchPr[]> {
  const { run, log } = deps;
  const branch = pushedBranch(run.payload);
  if (!branch) return [];
  try {
    const { data } = await deps.api.request("GET /repos/{owner}/{repo}/pulls", {
      owner: run.owner,
      repo: run.repo,
      state: "open",
      head: `${run.owner}:${branch}`,
      per_page: MAX_PRS_PER_BRANCH,
    });
    return (data as { number?: unknown; user?: { login?: unknown } | null }[])
      .flatMap((pr) =>
        typeof pr.number === "number"
          ? [{ number: pr.number, author: typeof pr.user?.login === "string" ? pr.user.login : null }]
          : [],
      )
      .slice(0, MAX_PRS_PER_BRANCH);
  } catch (err) {
    log.warning(
      `Could not list the open pull requests of ${branch} (${reasonOf(err)}): this push feeds Dash, but their comments do not show it.`,
    );
    return [];
  }
}

/**
 * Brings the comments of the pushed branch's PRs up to date (creating them as the `comment` setting
 * allows). The push is stored already: a comment GitHub refuses is a warning, not a failed job.
 */
async function commentOnBranchPrs(
  deps: ActionDeps,
  config: RepoConfig,
  prs: readonly BranchPr[],
  done: { ledger: Ledger; state: DashState; feed: LedgerFeedResult },
): Promise<FoundComment[]> {
  const policy = commentPolicy("push", config.comment, false);
  const found: FoundComment[] = [];
  if (!policy || !deps.upsertComment) return found;
  for (const pr of prs) {
    // As in the App: a bot's or an ignored user's PR gets no comment.
    if (quietPr(pr.author, config)) continue;
    try {
      const opts = { create: policy.create, knownId: commentIdOf(done.ledger, pr.number) };
      const result = await deps.upsertComment(pr.number, done.ledger, done.state, done.feed, opts);
      if (result.id !== null) found.push([pr.number, result.id, result.done === "created"]);
    } catch (err) {
      deps.log.warning(
        `Could not bring the Dash comment on #${pr.number} up to date (${reasonOf(err)}); this push fed Dash.`,
      );
    }
  }
  return found;
}

/** Why a GitHub call about PRs failed, in one line; a 403 says which permission to add. */
function reasonOf(err: unknown): string {
  const code = status(err);
  if (code === 403 && !rateLimited(err)) return "HTTP 403: add `pull-requests: write` to the job's permissions";
  const message = String((err as Error)?.message ?? err)
    .split("\n")[0]
    ?.slice(0, 200);
  return code ? `HTTP ${code}: ${message}` : (message ?? "unknown error");
}

/** One change to the ledger: what it becomes, what it fed, and (for commands) the reply to post. */
type LedgerStep = (
  ledger: Ledger,
  at: Date,
) => Promise<{
  ledger: Ledger;
  feed: LedgerFeedResult;
  changed: boolean;
  reply?: string;
  /** The commit's message, when not the feeding's. */
  message?: string;
}>;

interface Committed {
  ledger: Ledger;
  state: DashState;
  feed: LedgerFeedResult;
  card: RenderedCard;
  reply?: string;
  readOnly: boolean;
}

/**
 * Reads the state branch, applies `step`, renders the card and writes it all back as one commit on top
 * of the head it read. When another run moved the branch first, it reads again and applies the step to
 * the newer state (jittered back-off), so racing runs all land and none overwrites another.
 */
async function commitStep(deps: ActionDeps, config: RepoConfig, step: LedgerStep, trigger: string): Promise<Committed> {
  const { run, log, inputs } = deps;
  const branch = new StateBranch(deps.api, { owner: run.owner, repo: run.repo }, inputs["state-branch"]);
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    const snapshot = await branch.read();
    const at = deps.now();
    const { ledger, feed, changed, reply, message } = await step(snapshot.ledger, at);
    const state = ledgerState(ledger, { subject: `${run.owner}/${run.repo}`, display: displayOf(config), now: at });
    // Every commit carries the card too: a commit's tree holds exactly the files written.
    const card = await deps.renderCard(state, config.locale);
    if (!changed && snapshot.head !== null) return { ledger, state, feed, card, reply, readOnly: false };
    const files: BranchFile[] = [{ path: LEDGER_PATH, content: `${JSON.stringify(ledger, null, 1)}\n` }];
    if (inputs.formats.includes("svg")) files.push({ path: "dash.svg", content: card.svg });
    if (inputs.formats.includes("png") && card.png) files.push({ path: "dash.png", content: card.png });
    const foods = feed.applied.reduce((n, f) => n + f.count, 0);
    try {
      if (await branch.write(files, snapshot.head, message ?? commitMessage(trigger, foods, state))) {
        return { ledger, state, feed, card, reply, readOnly: false };
      }
    } catch (err) {
      if (rateLimited(err) || (status(err) !== 403 && status(err) !== 404)) throw err;
      if (!isForkPr(run.payload)) {
        throw new ActionConfigError(
          `The token cannot write the state branch "${inputs["state-branch"]}" (HTTP ${status(err)}). Add \`permissions:\\n  contents: write\` to the job (and \`pull-requests: write\` for the comment).`,
        );
      }
      log.warning(
        "This pull request comes from a fork, so the workflow token is read-only: Dash's state was not saved. Run the Action on pull_request_target to feed Dash from fork PRs (see the Action's documentation).",
      );
      return { ledger, state, feed, card, reply, readOnly: true };
    }
    if (attempt >= MAX_ATTEMPTS) {
      throw new Error(
        `GitHub refused to move the state branch "${inputs["state-branch"]}" ${attempt} times (HTTP 422 or 409): other runs kept moving it, or a rule covers it. If a branch protection rule or a ruleset covers it, exempt that branch or set \`state-branch\` to another one.`,
      );
    }
    log.info(`State branch moved while writing (attempt ${attempt}); reading it again.`);
    await sleep(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random()));
  }
}

/**
 * `/dash …` in an issue or PR comment: the App's command runner over the ledger. Null when there is
 * nothing to do (no command, a bot's comment, no runner wired).
 */
function commandStep(deps: ActionDeps, config: RepoConfig, deliveryId: string): LedgerStep | null {
  const { run, log } = deps;
  const comment = obj(run.payload.comment);
  const author = actorOf(comment?.user);
  const command = parseCommand(str(comment?.body) ?? "");
  if (!deps.runCommand || !command) return null;
  if (!author || author.isBot || actorOf(run.payload.sender)?.isBot) {
    log.info("Not answering a bot's comment.");
    return null;
  }
  const repo = repoRefOf(run.payload);
  if (!repo) return null;
  const display = displayOf(config);
  return async (ledger) => {
    const noFeed: LedgerFeedResult = {
      ledger,
      duplicateDelivery: ledger.deliveries.includes(deliveryId),
      applied: [],
      repo: {
        xpBefore: ledger.xp,
        xpAfter: ledger.xp,
        lastFedAtBefore: ledger.lastFedAt ? new Date(ledger.lastFedAt) : null,
      },
      users: [],
    };
    if (noFeed.duplicateDelivery) return { ledger, feed: noFeed, changed: false };
    const store = new LedgerStore(ledger, repo, display);
    const reply = await deps.runCommand?.(store, author.login, command, config);
    // The run is recorded even when the command changed nothing, so a re-run does not reply twice.
    const next: Ledger = { ...store.ledger, deliveries: [...store.ledger.deliveries, deliveryId].slice(-1000) };
    return { ledger: next, feed: { ...noFeed, ledger: next }, changed: true, reply };
  };
}

function prNumberOf(payload: Json): number | null {
  const pr = obj(payload.pull_request) ?? (obj(obj(payload.issue)?.pull_request) ? obj(payload.issue) : undefined);
  const n = pr?.number;
  return typeof n === "number" ? n : null;
}

function commitMessage(trigger: string, foods: number, state: DashState): string {
  return `Dash ate ${foods} food${foods === 1 ? "" : "s"} (${trigger}): level ${state.level}, ${state.xp} XP`;
}

function summaryOf(
  state: DashState,
  feed: LedgerFeedResult,
  subject: string,
  readOnly: boolean,
  run: RunContext,
  inputs: ActionInputs,
): string {
  const fed = Object.entries(countByFood(feed.applied))
    .map(([food, n]) => `${n} × ${food.replace("_", " ")}`)
    .join(", ");
  // github.com's ?raw=true redirect works for private repositories too (raw.githubusercontent.com does not).
  const raw = `${run.serverUrl}/${subject}/blob/${inputs["state-branch"]}/${cardFileOf(inputs.formats)}?raw=true`;
  // Dash's name comes from .github/dash.yml: shown as plain text, as in the PR comment.
  const name = inlineText(state.name, MAX_DASH_NAME);
  const lines = [
    `## 🐦 ${name} — level ${state.level}`,
    "",
    readOnly ? "" : `![${name}](${raw})`,
    "",
    "| | |",
    "| --- | --- |",
    `| Fed by this run | ${fed || "nothing new"} |`,
    `| XP | ${state.xp} (${state.xpToNextLevel} to level ${state.level + 1}) |`,
    `| Mood | ${state.mood} |`,
    `| Outfit | ${state.outfit} |`,
  ];
  if (readOnly) {
    lines.push(
      "",
      "> [!NOTE]",
      "> This run came from a fork, so its token is read-only and Dash's state was not saved. See “Pull requests from forks” in the Action's documentation (pull_request_target).",
    );
  }
  return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n");
}
