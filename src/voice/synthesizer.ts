import { type Env, EnvError, LAMBDA_SECRET_NEEDED } from "../config/env.js";
import { functionUrlInvoke, type LambdaInvoke, sdkInvoke } from "./lambda-client.js";
import { wavToMp3InTurns } from "./mp3.js";
import { VOICEVOX_CHARACTERS } from "./speakers.js";
import { VoicevoxClient } from "./voicevox.js";

/** The engine version the Lambda recipe in deploy/voicevox-lambda pins (its audio's content address). */
export const DEFAULT_LAMBDA_ENGINE_VERSION = "0.24.1";

export interface SynthesisRequest {
  text: string;
  speaker: number;
  key: string;
}

/**
 * MP3 bytes for the App to store (with the version of the engine that spoke them, where the
 * synthesiser says), or the key the synthesiser already stored them under.
 */
export type Synthesis = { mp3: Buffer; engineVersion?: string } | { storedKey: string };

/** Where voices come from: a VOICEVOX engine reached directly, or the VOICEVOX Lambda. */
export interface Synthesizer {
  readonly mode: "engine" | "lambda";
  /** Part of every audio's content address; asking must cost nothing. */
  engineVersion(): Promise<string>;
  synthesize(req: SynthesisRequest, signal: AbortSignal): Promise<Synthesis>;
  /** The character of a style id, for the credit line; null when unknown. */
  character(speaker: number): Promise<string | null>;
}

/** A VOICEVOX engine the App reaches itself (a container next to it); WAV is encoded to MP3 here. */
export function engineSynthesizer(client: VoicevoxClient, opts: { versionTtlMs?: number } = {}): Synthesizer {
  const ttl = opts.versionTtlMs ?? 10 * 60_000;
  // The promise is cached, so a burst of reactions asks the engine once.
  let version: { value: Promise<string>; until: number } | null = null;
  let characters: Promise<Map<number, string>> | null = null;
  return {
    mode: "engine",
    engineVersion() {
      if (version && version.until > Date.now()) return version.value;
      const value = client.version();
      const entry = { value, until: Date.now() + ttl };
      version = entry;
      // A failed lookup is not remembered: the next reaction asks again.
      value.catch(() => {
        if (version === entry) version = null;
      });
      return value;
    },
    async synthesize(req) {
      return { mp3: await wavToMp3InTurns(await client.speak(req.text, req.speaker)) };
    },
    async character(speaker) {
      const known = VOICEVOX_CHARACTERS[speaker];
      if (known) return known;
      // The promise is cached, so lookups made while the first is under way share its answer.
      if (!characters) {
        const lookup = client.speakers().then((speakers) => {
          const map = new Map<number, string>();
          for (const s of speakers) for (const style of s.styles ?? []) map.set(style.id, s.name);
          return map;
        });
        characters = lookup;
        // A failed lookup is not remembered: the next reaction asks again.
        lookup.catch(() => {
          if (characters === lookup) characters = null;
        });
      }
      return (await characters).get(speaker) ?? null;
    },
  };
}

/**
 * The VOICEVOX Lambda. Its engine version is configured rather than asked for, because asking would
 * start (and bill) a container just to compute a cache key.
 */
export function lambdaSynthesizer(invoke: LambdaInvoke, engineVersion: string): Synthesizer {
  return {
    mode: "lambda",
    engineVersion: async () => engineVersion,
    synthesize: (req, signal) => invoke(req, signal),
    character: async (speaker) => VOICEVOX_CHARACTERS[speaker] ?? null,
  };
}

/**
 * Thrown when VOICE_MODE asks for something the other settings do not provide: a mistake in the
 * environment, reported at start-up in one line like the schema's own.
 */
export class VoiceConfigError extends EnvError {}

/** The synthesiser VOICE_MODE names, or null for `off`. */
export function synthesizerFromEnv(
  env: Pick<
    Env,
    | "VOICE_MODE"
    | "VOICEVOX_URL"
    | "VOICE_TIMEOUT_MS"
    | "VOICE_LAMBDA_URL"
    | "VOICE_LAMBDA_FUNCTION"
    | "VOICE_LAMBDA_REGION"
    | "VOICE_LAMBDA_SECRET"
    | "VOICEVOX_ENGINE_VERSION"
  >,
): Synthesizer | null {
  if (env.VOICE_MODE === "off") return null;
  if (env.VOICE_MODE === "engine") {
    return engineSynthesizer(new VoicevoxClient({ baseUrl: env.VOICEVOX_URL, timeoutMs: env.VOICE_TIMEOUT_MS }));
  }
  const version = env.VOICEVOX_ENGINE_VERSION ?? DEFAULT_LAMBDA_ENGINE_VERSION;
  if (env.VOICE_LAMBDA_URL) {
    if (!env.VOICE_LAMBDA_URL.startsWith("https://")) {
      throw new VoiceConfigError("VOICE_LAMBDA_URL must be the function's https:// Function URL");
    }
    if (!env.VOICE_LAMBDA_SECRET) throw new VoiceConfigError(`VOICE_LAMBDA_SECRET is ${LAMBDA_SECRET_NEEDED}`);
    return lambdaSynthesizer(
      functionUrlInvoke({ url: env.VOICE_LAMBDA_URL, secret: env.VOICE_LAMBDA_SECRET }),
      version,
    );
  }
  if (env.VOICE_LAMBDA_FUNCTION) {
    return lambdaSynthesizer(
      sdkInvoke({ functionName: env.VOICE_LAMBDA_FUNCTION, region: env.VOICE_LAMBDA_REGION }),
      version,
    );
  }
  throw new VoiceConfigError(
    "VOICE_MODE=lambda needs VOICE_LAMBDA_URL (a Function URL) or VOICE_LAMBDA_FUNCTION (a function name)",
  );
}
