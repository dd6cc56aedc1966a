import type { Context } from "probot";
import { dayKey } from "../domain/time.js";
import { ANSWER_WITHIN_MS, RetryLaterError } from "../retry-later.js";
import type { FeedOutcome, RepoRef, Store } from "../store/store.js";
import { displayOf, rulesOf } from "./feed-rules.js";
import type { FeedingPlan, FeedingRules } from "./feedings.js";
import type { Json } from "./payload.js";
import { repoRefOf } from "./repo-ref.js";
import type { RepoSettings, RepoSettingsCache, RepoSettingsSource } from "./repo-settings.js";

export type FeedTrigger =
  | "push"
  | "issues.opened"
  | "pull_request.opened"
  | "pull_request.merged"
  | "pull_request_review.submitted";

/** Told to listeners (PR comments, voice) after a delivery fed, or tried to feed, a repo's Dash. */
export interface FedEvent {
  context: Context;
  trigger: FeedTrigger;
  repo: RepoRef;
  settings: RepoSettings;
  outcome: FeedOutcome;
}

export interface FedListener {
  (event: FedEvent): Promise<void>;
  /**
   * Called as the delivery is about to be stored, for a lookup the listener will need: it then runs
   * beside the write instead of after it (on PostgreSQL, a round trip less before the answer).
   */
  prepare?: (context: Context, trigger: FeedTrigger, repo: RepoRef) => void;
}

export interface CoreDeps {
  store: Store;
  settings: RepoSettingsCache;
  now: () => Date;
  /** Run in order after each feeding; a failing listener is logged and never fails the delivery. */
  onFed: readonly FedListener[];
  /** How long a delivery may take to be stored (default ANSWER_WITHIN_MS, 8 s; tests shorten it). */
  answerWithinMs?: number;
}

/** GitHub did not answer the settings lookup in time: nothing was stored. */
export class GitHubTooSlowError extends RetryLaterError {
  override name = "GitHubTooSlowError";
}

/** `work`, or GitHubTooSlowError once `ms` have passed (the work carries on, e.g. into the cache). */
function settingsWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new GitHubTooSlowError(
          `GitHub did not answer the repo's settings lookup (.github/dash.yml, languages) within ${ms} ms; ` +
            "nothing was stored, and a redelivery will feed Dash",
        ),
      );
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Where the event's repo settings come from on a cache miss: the event's payload and client. */
function settingsSource(context: Context, repo: RepoRef): RepoSettingsSource {
  const payload = context.payload as Json;
  return {
    repoId: repo.id,
    payloadLanguage: (payload.repository as Json | undefined)?.language as string | null | undefined,
    loadConfig: () => context.config("dash.yml"),
    listLanguages: async () => {
      const { data } = await context.octokit.rest.repos.listLanguages({ owner: repo.owner, repo: repo.name });
      return Object.keys(data);
    },
  };
}

/** Looks up (cached) whether and how the event's repo feeds Dash. */
export function settingsFor(context: Context, deps: Pick<CoreDeps, "settings">, repo: RepoRef): Promise<RepoSettings> {
  return deps.settings.get(settingsSource(context, repo));
}

/**
 * The pipeline every feeding event shares: find the repo, check it feeds (Dart, config), turn the
 * payload into feedings by `plan`, store them exactly once, then tell the listeners.
 */
export async function feedFromEvent(
  context: Context,
  deps: CoreDeps,
  trigger: FeedTrigger,
  plan: (payload: Json, rules: FeedingRules) => FeedingPlan,
): Promise<FeedOutcome | undefined> {
  const log = context.log;
  const payload = context.payload as Json;
  const repo = repoRefOf(payload);
  if (!repo) {
    log.debug({ trigger }, "ignored: payload has no usable repository");
    return undefined;
  }
  const within = deps.answerWithinMs ?? ANSWER_WITHIN_MS;
  const answerBy = performance.now() + within;
  // The settings lookup (GitHub, on a cache miss) gets the first seven eighths; storing always has the rest.
  const source = settingsSource(context, repo);
  const settings = deps.settings.peek(source) ?? (await settingsWithin(deps.settings.get(source), (within * 7) / 8));
  if (!settings.feeds) {
    log.debug(
      { trigger, repo: `${repo.owner}/${repo.name}`, reason: settings.reason },
      "ignored: Dash is not fed here",
    );
    return undefined;
  }
  const { feedings, skipped } = plan(payload, rulesOf(settings.config));
  if (skipped.length > 0) log.debug({ trigger, skipped: skipped.slice(0, 20) }, "some contributions do not feed");
  if (feedings.length === 0) {
    log.debug({ trigger }, "nothing to feed");
    return undefined;
  }
  const at = deps.now();
  for (const listener of deps.onFed) {
    try {
      listener.prepare?.(context, trigger, repo);
    } catch (err) {
      log.error({ err, trigger }, "a follow-up of the feeding could not get ready; the feeding goes on");
    }
  }
  const outcome = await deps.store.feed(
    {
      deliveryId: context.id,
      repo,
      feedings,
      at,
      day: dayKey(at, settings.config.timezone),
      utcDay: dayKey(at, "UTC"),
      dailyCap: settings.config.daily_cap,
      display: displayOf(settings.config),
    },
    { answerWithinMs: Math.max(0, answerBy - performance.now()) },
  );
  const foods = outcome.applied.reduce((n, f) => n + f.count, 0);
  log.info(
    {
      trigger,
      repo: `${repo.owner}/${repo.name}`,
      foods,
      xp: outcome.repo.xpAfter,
      duplicateDelivery: outcome.duplicateDelivery || undefined,
    },
    outcome.duplicateDelivery ? "redelivery: already fed" : `fed Dash ${foods} food(s)`,
  );
  for (const listener of deps.onFed) {
    try {
      await listener({ context, trigger, repo, settings, outcome });
    } catch (err) {
      log.error({ err, trigger }, "a follow-up of the feeding failed; the feeding itself is stored");
    }
  }
  return outcome;
}
