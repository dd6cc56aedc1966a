import type { Logger } from "pino";
import type { Budget } from "./budget.js";
import { geminiCostMicros } from "./budget.js";
import type { ReactionFacts } from "./facts.js";
import { factsDocument, type GeminiCall, leastThinking, systemInstruction } from "./gemini.js";
import { sanitiseLine, truncate } from "./sanitise.js";
import { templateLine } from "./templates.js";

/** Output tokens allowed per reaction: a 100-character line is well under 60 tokens in either language. */
export const MAX_OUTPUT_TOKENS = 80;

export interface ReactionTextDeps {
  /** Null without `GEMINI_API_KEY`: every line comes from the templates. */
  gemini: GeminiCall | null;
  model: string;
  timeoutMs: number;
  budget: Budget;
  log: Logger;
  /** Told what each call cost, in USD (for metrics). */
  onSpend?: (usd: number) => void;
}

export interface ReactionLine {
  text: string;
  source: "gemini" | "template";
  /** Why the templates answered instead of Gemini (for the log). */
  fallback?: "no-key" | "budget" | "timeout" | "error" | "refused" | "unusable";
}

class Timeout extends Error {}

/**
 * Dash's line for one meal: Gemini when configured and within budget, else (or on any failure,
 * timeout, refusal or unusable answer) a built-in template. Never throws.
 */
export async function reactionLine(
  facts: ReactionFacts,
  opts: { installationId: number | null; seed: string },
  deps: ReactionTextDeps,
): Promise<ReactionLine> {
  const template = (fallback: ReactionLine["fallback"]): ReactionLine => ({
    text: truncate(templateLine(facts, opts.seed)),
    source: "template",
    fallback,
  });
  if (!deps.gemini) return template("no-key");

  const system = systemInstruction(facts.locale);
  const user = factsDocument(facts);
  // The line's tokens, and those the model may think with where it cannot be told not to.
  const maxOutputTokens = MAX_OUTPUT_TOKENS + leastThinking(deps.model).allowance;
  // Upper bound: at most one token per two characters of prompt, and every allowed output token.
  const estimate = geminiCostMicros(deps.model, Math.ceil((system.length + user.length) / 2) + 32, maxOutputTokens);
  let reserved: Awaited<ReturnType<typeof deps.budget.reserve>>;
  try {
    reserved = await deps.budget.reserve("gemini", opts.installationId, estimate);
  } catch (err) {
    // Nothing was reserved, so nothing may be spent: the built-in line, as when the budget is used up.
    deps.log.warn({ err: errorSummary(err) }, "could not reserve Gemini's budget: using a built-in line");
    return template("error");
  }
  if (!reserved.ok) {
    deps.log.warn({ ceiling: reserved.subject }, "Gemini daily budget reached: using a built-in line");
    return template("budget");
  }

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Timeout(`Gemini did not answer within ${deps.timeoutMs} ms`));
    }, deps.timeoutMs);
  });
  let answer: Awaited<ReturnType<NonNullable<typeof deps.gemini>>>;
  try {
    answer = await Promise.race([
      deps.gemini({
        model: deps.model,
        systemInstruction: system,
        userText: user,
        maxOutputTokens,
        signal: controller.signal,
        timeoutMs: deps.timeoutMs,
      }),
      timeout,
    ]);
  } catch (err) {
    // The call may still have been billed: keep the estimate booked rather than guess low.
    await deps.budget.settle(reserved.reservation, estimate).catch(() => undefined);
    deps.onSpend?.(estimate / 1_000_000);
    if (err instanceof Timeout) {
      deps.log.warn({ timeoutMs: deps.timeoutMs }, "Gemini timed out: using a built-in line");
      return template("timeout");
    }
    deps.log.warn({ err: errorSummary(err) }, "Gemini failed: using a built-in line");
    return template("error");
  } finally {
    clearTimeout(timer);
  }
  // Settled once, at what the answer cost. Should that fail, the whole estimate stays booked (the
  // reservation), which errs on the side of spending less; the answer is still used.
  const cost = geminiCostMicros(deps.model, answer.inputTokens, answer.outputTokens);
  await deps.budget.settle(reserved.reservation, cost).catch((err: unknown) => {
    deps.log.warn({ err: errorSummary(err) }, "could not book Gemini's cost: its estimate stays booked");
  });
  deps.onSpend?.(cost / 1_000_000);
  if (answer.refused) {
    deps.log.info("Gemini declined to answer: using a built-in line");
    return template("refused");
  }
  // A line cut at the output limit would be spoken cut: a built-in one instead.
  const line = answer.truncated ? null : sanitiseLine(answer.text);
  if (!line) {
    // Cut at the limit: the model spent its output tokens, its thinking included (GEMINI_MODEL's).
    const cut = answer.truncated === true;
    deps.log.info(
      { chars: answer.text?.length ?? 0, cut, outputTokens: answer.outputTokens },
      cut
        ? "Gemini's answer was cut at the output limit: using a built-in line"
        : "Gemini's answer was empty or unusable: using a built-in line",
    );
    return template("unusable");
  }
  return { text: line, source: "gemini" };
}

/** An error as a short object for the log, without request details (they could carry the API key). */
export function errorSummary(err: unknown): { name: string; message: string; status?: number } {
  const e = err as { name?: string; message?: string; status?: number };
  return {
    name: e?.name ?? "Error",
    message: String(e?.message ?? err).slice(0, 300),
    ...(typeof e?.status === "number" ? { status: e.status } : {}),
  };
}
