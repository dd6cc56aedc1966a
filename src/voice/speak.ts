import type { Logger } from "pino";
import type { BlobStore } from "../blob/blob-store.js";
import { audioKey } from "./audio-key.js";
import { type Budget, billableMs, lambdaCostMicros } from "./budget.js";
import { errorSummary } from "./reaction-text.js";
import { creditLine } from "./speakers.js";
import type { Synthesizer } from "./synthesizer.js";

export interface VoiceDeps {
  synth: Synthesizer;
  blobs: BlobStore;
  budget: Budget;
  /** Lambda memory the cost of a synthesis is estimated with (engine mode is priced the same way). */
  memoryMb: number;
  region: string;
  /** Longest the App waits for a synthesis. */
  timeoutMs: number;
  /**
   * The function's own timeout. Aborting the request does not stop a running invocation, which is billed
   * until it ends, at this at most: each synthesis reserves the longer of the two, and an abandoned one
   * is booked at it, so timeouts can never take spending past the ceiling.
   */
  functionTimeoutMs: number;
  log: Logger;
  /** Called once the text is known to need a (paid) synthesis, before it starts. */
  onSynthesisStart?: () => Promise<void>;
  /** Called with what a finished synthesis cost. */
  onSpend?: (usd: number) => void;
  /**
   * Called when audio the App stored cannot be read back (the blob store's identity may write but
   * not read, e.g. no s3:GetObject): every later synthesis would be paid for and never heard.
   */
  onUnreadable?: () => void;
}

export type VoiceOutcome =
  | { status: "ready"; url: string; key: string; credit: string; cached: boolean; costMicros: number }
  | { status: "budget"; subject: string }
  | { status: "failed"; reason: string };

/**
 * Gives `line` a voice: the stored audio when this line was ever spoken by this engine and speaker
 * (free), otherwise one synthesis within the daily budget, stored under its content address.
 * Never throws; a failure is an outcome with its reason.
 */
export async function speak(
  line: string,
  speaker: number,
  installationId: number | null,
  deps: VoiceDeps,
  inFlight: Map<string, Promise<VoiceOutcome>> = new Map(),
): Promise<VoiceOutcome> {
  // The Lambda speaks the trimmed text and, storing audio itself, accepts only that text's address.
  const text = line.trim();
  let character: string | null;
  let key: string;
  let engineVersion: string;
  try {
    character = await deps.synth.character(speaker);
    engineVersion = await deps.synth.engineVersion();
    key = audioKey({ engineVersion, speaker, text });
  } catch (err) {
    return { status: "failed", reason: `voice engine not available: ${errorSummary(err).message}` };
  }
  // The voices' terms require their credit wherever the audio is published: no credit, no audio.
  if (!character) return { status: "failed", reason: `no known VOICEVOX character for style ${speaker}` };
  const credit = creditLine(character);
  const shared = inFlight.get(key);
  if (shared) return shared;
  const job = produce(text, speaker, installationId, { key, engineVersion }, credit, deps);
  inFlight.set(key, job);
  try {
    return await job;
  } finally {
    inFlight.delete(key);
  }
}

async function produce(
  text: string,
  speaker: number,
  installationId: number | null,
  address: { key: string; engineVersion: string },
  credit: string,
  deps: VoiceDeps,
): Promise<VoiceOutcome> {
  const { key } = address;
  try {
    if (await deps.blobs.exists(key)) {
      return { status: "ready", url: await deps.blobs.url(key), key, credit, cached: true, costMicros: 0 };
    }
  } catch (err) {
    return { status: "failed", reason: `blob store not available: ${errorSummary(err).message}` };
  }
  const longestMs = billableMs(deps);
  const estimate = lambdaCostMicros(deps.memoryMb, longestMs, deps.region);
  let reserved: Awaited<ReturnType<typeof deps.budget.reserve>>;
  try {
    reserved = await deps.budget.reserve("voice", installationId, estimate);
  } catch (err) {
    // Nothing reserved, nothing synthesised: the reaction keeps its text.
    return { status: "failed", reason: `the voice budget could not be reserved: ${errorSummary(err).message}` };
  }
  if (!reserved.ok) return { status: "budget", subject: reserved.subject };

  await deps.onSynthesisStart?.().catch((err: unknown) => {
    deps.log.warn({ err: errorSummary(err) }, "could not show the reaction text before its voice");
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs);
  const started = performance.now();
  // Never more than was reserved: the ceiling holds even for a late timer.
  const measured = () => lambdaCostMicros(deps.memoryMb, Math.min(performance.now() - started, longestMs), deps.region);
  let cost = estimate;
  try {
    const result = await Promise.race([
      deps.synth.synthesize({ text, speaker, key }, controller.signal),
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener("abort", () => reject(new Error(`no audio within ${deps.timeoutMs} ms`))),
      ),
    ]);
    cost = measured();
    // Audio this App cannot read back (no read access, or the Lambda writing to another bucket or
    // prefix) is audio nobody can hear, and so will every next one be.
    let unreadable: string | null = null;
    if ("mp3" in result) {
      if (result.engineVersion && result.engineVersion !== address.engineVersion) {
        // The audio is still good, but its address names another engine, so a line this engine
        // speaks differently would keep the old audio: the setting must follow the function.
        deps.log.warn(
          { engineVersion: result.engineVersion, configured: address.engineVersion },
          `the voice Lambda runs VOICEVOX ${result.engineVersion}, not ${address.engineVersion}: set VOICEVOX_ENGINE_VERSION=${result.engineVersion}`,
        );
      }
      await deps.blobs.put(key, result.mp3, "audio/mpeg");
      if (!(await deps.blobs.exists(key))) {
        unreadable =
          "the audio was stored but cannot be read back: the blob store's identity may lack read access (s3:GetObject)";
      }
    } else if (result.storedKey !== key || !(await deps.blobs.exists(key))) {
      unreadable = `the synthesiser stored the audio at ${result.storedKey}, which this App's blob store cannot see`;
    }
    if (unreadable) {
      deps.onUnreadable?.();
      throw new Error(unreadable);
    }
    return { status: "ready", url: await deps.blobs.url(key), key, credit, cached: false, costMicros: cost };
  } catch (err) {
    // Time spent is billed whether or not audio came back; an abandoned call runs on, up to its timeout.
    cost = controller.signal.aborted ? estimate : measured();
    return { status: "failed", reason: `synthesis failed: ${errorSummary(err).message}` };
  } finally {
    clearTimeout(timer);
    await deps.budget.settle(reserved.reservation, cost).catch((err: unknown) => {
      deps.log.error({ err: errorSummary(err) }, "could not book the cost of a synthesis");
    });
    deps.onSpend?.(cost / 1_000_000);
  }
}
