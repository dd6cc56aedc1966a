import type { Logger } from "pino";
import { afterAnswer } from "../after-answer.js";
import type { BlobStore } from "../blob/blob-store.js";
import { openBlobStore } from "../blob/open-blob-store.js";
import { commentDeps, type PrReaction, type PrTarget, prOf, quietPr, setPrReaction } from "../comments/index.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../config/repo-config.js";
import type { Feeding } from "../domain/foods.js";
import type { Feature, FeatureContext } from "../feature.js";
import type { FedEvent, FeedTrigger } from "../github/feed-event.js";
import type { Json } from "../github/payload.js";
import { BudgetStore } from "../store/budget-store.js";
import { audioRoute } from "./audio-route.js";
import { Budget } from "./budget.js";
import { countSpend, reportBudget } from "./budget-metrics.js";
import { budgetRoute } from "./budget-route.js";
import { type ReactionFacts, reactionFacts, topContributor } from "./facts.js";
import { type GeminiCall, geminiCall } from "./gemini.js";
import { errorSummary, reactionLine } from "./reaction-text.js";
import { speak, type VoiceOutcome } from "./speak.js";
import { type Synthesizer, synthesizerFromEnv } from "./synthesizer.js";

/** Shows a reaction in a PR (by default: in the sticky comment, through `setPrReaction`). */
export type PublishReaction = (reaction: PrReaction, target: PrTarget) => Promise<void>;

export interface VoiceFeatureOptions {
  publish?: PublishReaction;
  /** Defaults to what VOICE_MODE names (null: no voice). */
  synthesizer?: Synthesizer | null;
  /** Defaults to Gemini when GEMINI_API_KEY is set (null: templates only). */
  gemini?: GeminiCall | null;
  /** Defaults to the store BLOB_URL names. */
  blobs?: BlobStore;
}

export interface VoiceFeature extends Feature {
  budget: Budget;
  /** Resolves when every reaction started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** What one reaction job needs besides the facts. */
interface JobInput {
  installationId: number | null;
  /** Picks among the fitting built-in lines (the delivery id, so a reaction is reproducible). */
  seed: string;
  speaker: number;
  /** Whether this reaction gets a voice (a merge, in a repo that did not turn voice off). */
  spoken: boolean;
}

/** Events Dash reacts to in a PR; only a merge is spoken aloud. */
const REACTS_TO = new Set<FeedTrigger>(["pull_request.opened", "pull_request.merged", "pull_request_review.submitted"]);
const SPOKEN = new Set<FeedTrigger>(["pull_request.merged"]);

const BUDGET_NOTE = {
  en: "Dash's voice is resting until tomorrow: today's voice budget is used up.",
  ja: "今日の声の予算を使い切ったので、ダッシュの声はまた明日。",
} as const;

/** The style id to speak with: a repo's own choice in dash.yml, else the operator's VOICEVOX_SPEAKER. */
export function speakerFor(config: RepoConfig, operatorDefault: number): number {
  return config.voice.speaker !== DEFAULT_REPO_CONFIG.voice.speaker ? config.voice.speaker : operatorDefault;
}

/**
 * Dash speaks: after a PR feeds Dash, a line (Gemini or templates) and, for a merge, its voice
 * (VOICEVOX engine or Lambda) appear in the PR comment. All of it runs after the webhook has been
 * answered, within the daily budget, and a failure only ever costs the voice, never the feeding.
 */
export async function voiceFeature(ctx: FeatureContext, opts: VoiceFeatureOptions = {}): Promise<VoiceFeature> {
  const env = ctx.env;
  const log = ctx.log.child({ name: "voice" });
  const blobs = opts.blobs ?? (await openBlobStore(env, undefined, (message) => log.warn(message)));
  const synth = opts.synthesizer !== undefined ? opts.synthesizer : synthesizerFromEnv(env);
  const gemini =
    opts.gemini !== undefined
      ? opts.gemini
      : env.GEMINI_API_KEY
        ? geminiCall(env.GEMINI_API_KEY, env.GEMINI_BASE_URL)
        : null;
  const budget = new Budget({
    store: new BudgetStore(ctx.db),
    limits: {
      voiceUsd: env.VOICE_DAILY_BUDGET_USD,
      voiceInstallationUsd: env.VOICE_INSTALLATION_DAILY_BUDGET_USD,
      geminiUsd: env.GEMINI_DAILY_BUDGET_USD,
      geminiInstallationUsd: env.GEMINI_INSTALLATION_DAILY_BUDGET_USD,
    },
    now: ctx.now,
  });
  let publish = opts.publish;
  if (!publish) {
    const comments = commentDeps(ctx);
    publish = async (reaction, target) => {
      const result = await setPrReaction(comments, target, reaction);
      if (result === "skipped") log.debug({ pr: target.prNumber }, "reaction not shown: Dash does not follow this PR");
    };
  }
  const show = publish;
  const jobs = afterAnswer();
  const inFlight = new Map<string, Promise<VoiceOutcome>>();
  // Set once stored audio could not be read back: later reactions stay text-only (nothing paid for).
  let unreadable = false;
  const stopReporting = reportBudget(() => budget.today());
  log.info(
    { voice: synth?.mode ?? "off", text: gemini ? "gemini" : "templates", blobs: blobs.kind },
    "reactions configured",
  );

  async function react(facts: ReactionFacts, target: PrTarget, job: JobInput, jobLog: Logger): Promise<void> {
    // The login the line may name travels with it, for the comment to drop it should they opt out later.
    const showNamed = (reaction: PrReaction) =>
      show(facts.contributor ? { ...reaction, named: facts.contributor } : reaction, target);
    const line = await reactionLine(
      facts,
      { installationId: job.installationId, seed: job.seed },
      {
        gemini,
        model: env.GEMINI_MODEL,
        timeoutMs: env.GEMINI_TIMEOUT_MS,
        budget,
        log: jobLog,
        onSpend: (usd) => countSpend("gemini", usd),
      },
    );
    if (line.fallback && line.fallback !== "no-key")
      jobLog.debug({ fallback: line.fallback }, "reaction from templates");
    if (!synth || !job.spoken || unreadable) {
      await showNamed({ text: line.text });
      return;
    }
    let textShown = false;
    const outcome = await speak(
      line.text,
      job.speaker,
      job.installationId,
      {
        synth,
        blobs,
        budget,
        memoryMb: env.VOICE_LAMBDA_MEMORY_MB,
        region: env.VOICE_LAMBDA_REGION,
        timeoutMs: env.VOICE_TIMEOUT_MS,
        functionTimeoutMs: env.VOICE_LAMBDA_TIMEOUT_MS,
        log: jobLog,
        // A real synthesis takes seconds: show the line now, and the voice link when it is ready.
        onSynthesisStart: async () => {
          await showNamed({ text: line.text });
          textShown = true;
        },
        onSpend: (usd) => countSpend("voice", usd),
        onUnreadable: () => {
          if (unreadable) return;
          unreadable = true;
          log.error(
            { blobs: blobs.kind },
            "voice stopped until restart: stored audio cannot be read back, so no listener could hear it; give the App's identity read access to the blob store (s3:GetObject), and check that BLOB_URL names the bucket and prefix the voice function writes to",
          );
        },
      },
      inFlight,
    );
    if (outcome.status === "ready") {
      jobLog.info({ key: outcome.key, cached: outcome.cached, costMicros: outcome.costMicros }, "reaction voiced");
      await showNamed({ text: line.text, audioUrl: outcome.url, credit: outcome.credit });
    } else if (outcome.status === "budget") {
      jobLog.warn({ ceiling: outcome.subject }, "voice daily budget reached: text only until tomorrow (UTC)");
      await showNamed({ text: line.text, note: BUDGET_NOTE[facts.locale] });
    } else {
      jobLog.warn({ reason: outcome.reason }, "reaction not voiced");
      if (!textShown) await showNamed({ text: line.text });
    }
  }

  /**
   * Whether the one login a reaction could name asked not to be named (`/dash optout`). Asked inside the
   * job, after the webhook is answered. When the store cannot say, nobody is named.
   */
  async function optedOutAmong(repoId: number, applied: readonly Feeding[], jobLog: Logger): Promise<Set<string>> {
    const top = topContributor(applied);
    if (top === null) return new Set();
    const key = top.toLowerCase();
    try {
      return (await ctx.store.isOptedOut(repoId, top)) ? new Set([key]) : new Set();
    } catch (err) {
      jobLog.warn({ err: errorSummary(err) }, "could not read the contributor's opt-out: the reaction names nobody");
      return new Set([key]);
    }
  }

  async function onFed(event: FedEvent): Promise<void> {
    const { outcome, trigger, repo, settings, context } = event;
    if (outcome.duplicateDelivery || outcome.applied.length === 0) return;
    if (!REACTS_TO.has(trigger)) return;
    const at = ctx.now();
    const config = settings.config;
    if (config.comment === "off" || (config.comment === "merged-only" && trigger !== "pull_request.merged")) {
      context.log.debug({ trigger, comment: config.comment }, "no reaction: PR comments are off for this event");
      return;
    }
    const pr = prOf(context.payload as Json);
    if (!pr || pr.number <= 0) return;
    const prNumber = pr.number;
    // A bot's or an ignored user's PR gets no comment (a human's review of it still feeds Dash): no
    // reaction is written for it either, which would cost a Gemini call and post one.
    if (quietPr(pr.info.authorLogin, config)) {
      context.log.debug({ trigger }, "no reaction: the PR is a bot's or an ignored user's");
      return;
    }
    const applied = outcome.applied;
    const factsOf = (optedOut: ReadonlySet<string>): ReactionFacts =>
      reactionFacts({
        trigger,
        locale: config.locale,
        applied,
        optedOut,
        repoXpBefore: outcome.repo.xpBefore,
        repoXpAfter: outcome.repo.xpAfter,
        // The store reports when Dash ate before this meal: the reaction speaks of the mood it was in.
        previousMealAt: outcome.repo.lastFedAtBefore,
        at,
      });
    const target: PrTarget = {
      octokit: context.octokit as PrTarget["octokit"],
      owner: repo.owner,
      repo: repo.name,
      repoId: repo.id,
      prNumber,
    };
    const job: JobInput = {
      installationId: repo.installationId,
      seed: context.id,
      speaker: speakerFor(config, env.VOICEVOX_SPEAKER),
      spoken: SPOKEN.has(trigger) && config.voice.enabled,
    };
    const jobLog = context.log.child({ name: "voice", pr: prNumber });
    // Started on the next turn of the event loop and not awaited: the webhook is answered first.
    jobs.run(() =>
      new Promise<void>((resolve) => setImmediate(resolve))
        .then(async () => react(factsOf(await optedOutAmong(repo.id, applied, jobLog)), target, job, jobLog))
        .catch((err: unknown) =>
          jobLog.error({ err: errorSummary(err) }, "reaction failed; the feeding itself is stored"),
        ),
    );
  }

  const idle = jobs.idle;

  return {
    name: "voice",
    budget,
    idle,
    routes: [audioRoute(blobs), budgetRoute(budget)],
    onFed: [onFed],
    async close() {
      await idle();
      stopReporting();
      await blobs.close?.();
    },
  };
}
