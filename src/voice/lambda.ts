import pino, { type Logger } from "pino";
import { z } from "zod";
import type { BlobStore } from "../blob/blob-store.js";
import { sameSecret } from "../same-secret.js";
import { AUDIO_KEY, audioKey } from "./audio-key.js";
import { wavToMp3 } from "./mp3.js";
import { VoicevoxClient, VoicevoxError } from "./voicevox.js";

/**
 * The events this handler understands: a Lambda Function URL or API Gateway HTTP API (payload 2.0),
 * an API Gateway REST API (payload 1.0), or a direct invocation (`{ text, speaker?, key? }`).
 */
export interface VoiceLambdaEvent {
  version?: string;
  httpMethod?: string;
  requestContext?: { http?: { method?: string } };
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  text?: unknown;
  speaker?: unknown;
  key?: unknown;
}

/** The proxy-integration answer: binary bodies are base64 with `isBase64Encoded: true`. */
export interface VoiceLambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export interface VoiceHandlerConfig {
  engine: VoicevoxClient;
  defaultSpeaker: number;
  /** Longest text accepted, in characters (413 beyond). */
  maxChars: number;
  /** How long a request waits for an engine that is still starting (a cold start) before answering 503. */
  engineWaitMs: number;
  /**
   * HTTP callers must send it in `x-dash-voice-secret`; without it, HTTP events are refused, because a
   * Function URL with auth NONE is open to anyone. Direct invocations are authorised by IAM instead.
   */
  sharedSecret?: string;
  /**
   * When set, the MP3 is written here and the answer is its key instead of the audio. The key is always
   * the one this function computes from what it spoke, so no caller can put other words under a key.
   */
  blobs?: BlobStore | null;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/** Request bodies beyond this are refused before parsing. */
export const MAX_BODY_BYTES = 16 * 1024;
export const SECRET_HEADER = "x-dash-voice-secret";
/** The header a synthesis answers with the version of the engine that spoke it. */
export const VERSION_HEADER = "x-voicevox-version";

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): VoiceLambdaResult {
  return {
    statusCode: status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

function header(event: VoiceLambdaEvent, name: string): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v ?? undefined;
  return undefined;
}

interface VoiceRequest {
  text: unknown;
  speaker: unknown;
  key: unknown;
}

/** Reads text, speaker and key from a form-encoded or JSON body (or a direct invocation). */
function readRequest(event: VoiceLambdaEvent, isHttp: boolean): VoiceRequest {
  if (!isHttp) return { text: event.text, speaker: event.speaker, key: event.key };
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > MAX_BODY_BYTES) throw new HttpProblem(413, `request body over ${MAX_BODY_BYTES} bytes`);
  const body = bytes.toString("utf8");
  const type = (header(event, "content-type") ?? "").toLowerCase();
  if (type.includes("json") || (!type.includes("form") && body.trimStart().startsWith("{"))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpProblem(400, "body is not valid JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new HttpProblem(400, 'JSON body must be an object such as {"text": "…", "speaker": 3}');
    }
    const o = parsed as Record<string, unknown>;
    return { text: o.text, speaker: o.speaker, key: o.key };
  }
  // The hackathon client posted `text=…` form-encoded.
  const form = new URLSearchParams(body);
  return {
    text: form.get("text") ?? undefined,
    speaker: form.get("speaker") ?? undefined,
    key: form.get("key") ?? undefined,
  };
}

function checkRequest(req: VoiceRequest, config: VoiceHandlerConfig): { text: string; speaker: number; key?: string } {
  const text = typeof req.text === "string" ? req.text.trim() : "";
  if (text === "") throw new HttpProblem(422, "text is required (form field or JSON property `text`)");
  const chars = Array.from(text).length;
  if (chars > config.maxChars)
    throw new HttpProblem(413, `text is ${chars} characters; the limit is ${config.maxChars}`);
  let speaker = config.defaultSpeaker;
  if (req.speaker !== undefined && req.speaker !== null && req.speaker !== "") {
    const n = typeof req.speaker === "number" ? req.speaker : Number(req.speaker);
    if (!Number.isInteger(n) || n < 0 || n > 10_000)
      throw new HttpProblem(422, "speaker must be a VOICEVOX style id (0–10000)");
    speaker = n;
  }
  if (req.key !== undefined && req.key !== null) {
    if (typeof req.key !== "string" || !AUDIO_KEY.test(req.key)) {
      throw new HttpProblem(422, "key must look like audio/<64 hex digits>.mp3");
    }
    return { text, speaker, key: req.key };
  }
  return { text, speaker };
}

/**
 * Builds the VOICEVOX Lambda handler: validates the request, asks the engine running in the same
 * container, encodes MP3, and answers it (base64) or stores it and answers its key.
 * An HTTP call 403 while the function has no secret, 401 without the right one; missing text 422, text
 * too long 413, a key that is not the text's address 422 (blob output), engine down 503 (with
 * Retry-After), engine refusing 422.
 */
export function createVoiceHandler(
  config: VoiceHandlerConfig,
): (event: VoiceLambdaEvent) => Promise<VoiceLambdaResult> {
  const sleep = config.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let engineVersion: string | null = null;
  // Once per container: strangers calling an open Function URL must not grow the (billed) log.
  let warnedNoSecret = false;

  // The engine starts with the container and takes a few seconds to load its voices: wait for it once.
  async function readyEngine(): Promise<string> {
    const deadline = Date.now() + config.engineWaitMs;
    for (;;) {
      try {
        engineVersion = await config.engine.version();
        return engineVersion;
      } catch (err) {
        const unreachable = err instanceof VoicevoxError && err.kind === "unreachable";
        if (!unreachable || Date.now() >= deadline) {
          throw new HttpProblem(
            503,
            `${(err as Error).message}. The VOICEVOX engine in this container is not answering; it may still be starting, so retry shortly.`,
            { "retry-after": "5" },
          );
        }
        await sleep(250);
      }
    }
  }

  return async (event) => {
    const isHttp = event.requestContext !== undefined || event.httpMethod !== undefined || event.headers !== undefined;
    const started = Date.now();
    try {
      if (isHttp) {
        const method = (event.requestContext?.http?.method ?? event.httpMethod ?? "").toUpperCase();
        if (method !== "POST") throw new HttpProblem(405, "use POST with a `text` field", { allow: "POST" });
        if (!config.sharedSecret) {
          if (!warnedNoSecret) config.log.warn("HTTP call refused: VOICE_LAMBDA_SECRET is not set in this function");
          warnedNoSecret = true;
          throw new HttpProblem(
            403,
            "this function has no VOICE_LAMBDA_SECRET, so it refuses HTTP calls (a Function URL is open to anyone): " +
              "set VOICE_LAMBDA_SECRET in the function's environment and the same value in the App, " +
              "or let the App invoke the function by name (VOICE_LAMBDA_FUNCTION)",
          );
        }
        if (!sameSecret(header(event, SECRET_HEADER) ?? "", config.sharedSecret)) {
          throw new HttpProblem(401, `missing or wrong ${SECRET_HEADER} header`);
        }
      }
      const req = checkRequest(readRequest(event, isHttp), config);
      const version = engineVersion ?? (await readyEngine());
      const key = audioKey({ engineVersion: version, speaker: req.speaker, text: req.text });
      // Checked before synthesising, so a mismatch costs no engine time.
      if (config.blobs && req.key !== undefined && req.key !== key) {
        throw new HttpProblem(
          422,
          `key ${req.key} is not the content address of this text and speaker with engine ${version} (${key}); ` +
            `the App's VOICEVOX_ENGINE_VERSION must be ${version}`,
        );
      }
      let wav: Buffer;
      try {
        wav = await config.engine.speak(req.text, req.speaker);
      } catch (err) {
        if (err instanceof VoicevoxError && err.kind === "unreachable") {
          engineVersion = null;
          throw new HttpProblem(503, `${err.message}. The VOICEVOX engine stopped answering.`, { "retry-after": "5" });
        }
        if (err instanceof VoicevoxError && err.kind === "rejected") {
          throw new HttpProblem(422, `the VOICEVOX engine refused this text or speaker (${err.status})`);
        }
        throw new HttpProblem(502, `the VOICEVOX engine failed: ${(err as Error).message}`);
      }
      const mp3 = wavToMp3(wav);
      const meta = {
        [VERSION_HEADER]: version,
        "x-audio-key": key,
        "x-synthesis-ms": String(Date.now() - started),
      };
      config.log.info(
        { chars: Array.from(req.text).length, speaker: req.speaker, bytes: mp3.length, ms: Date.now() - started },
        "synthesised",
      );
      if (config.blobs) {
        await config.blobs.put(key, mp3, "audio/mpeg");
        return json(200, { key, bytes: mp3.length, engineVersion: version }, meta);
      }
      return {
        statusCode: 200,
        headers: { "content-type": "audio/mpeg", ...meta },
        body: mp3.toString("base64"),
        isBase64Encoded: true,
      };
    } catch (err) {
      if (err instanceof HttpProblem) {
        if (err.status >= 500) config.log.warn({ status: err.status }, err.message);
        return json(err.status, { error: err.message }, err.headers);
      }
      config.log.error({ err }, "voice request failed");
      return json(500, { error: "internal error; see the function's log" });
    }
  };
}

/** Settings of the Lambda container, read once from its environment. */
const lambdaEnvSchema = z.object({
  VOICEVOX_URL: z.string().url().default("http://127.0.0.1:50021"),
  VOICEVOX_SPEAKER: z.coerce.number().int().min(0).max(10_000).default(3),
  VOICE_LAMBDA_SECRET: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined)),
  VOICE_MAX_TEXT_CHARS: z.coerce.number().int().positive().max(1000).default(200),
  VOICEVOX_WAIT_MS: z.coerce.number().int().min(0).default(20_000),
  VOICEVOX_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
  /** `inline` (default): answer the MP3. `blob`: write it to BLOB_URL (an s3:// URL) and answer its key. */
  VOICE_OUTPUT: z.enum(["inline", "blob"]).default("inline"),
  BLOB_URL: z.string().optional(),
  S3_REGION: z.string().default("us-east-1"),
  S3_ENDPOINT: z.string().optional(),
  S3_PUBLIC_URL: z.string().optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

/** The handler configured from the container's environment (`source` defaults to `process.env`). */
export async function voiceHandlerFromEnv(source: Record<string, string | undefined> = process.env) {
  const env = lambdaEnvSchema.parse(source);
  let blobs: BlobStore | null = null;
  if (env.VOICE_OUTPUT === "blob") {
    if (!env.BLOB_URL?.startsWith("s3://")) throw new Error("VOICE_OUTPUT=blob needs BLOB_URL=s3://bucket/prefix");
    const { openBlobStore } = await import("../blob/open-blob-store.js");
    blobs = await openBlobStore(
      {
        BLOB_URL: env.BLOB_URL,
        PUBLIC_URL: "http://localhost",
        S3_REGION: env.S3_REGION,
        S3_ENDPOINT: env.S3_ENDPOINT,
        S3_PUBLIC_URL: env.S3_PUBLIC_URL,
      },
      undefined,
      (message) => console.warn(message),
    );
  }
  return createVoiceHandler({
    engine: new VoicevoxClient({ baseUrl: env.VOICEVOX_URL, timeoutMs: env.VOICEVOX_TIMEOUT_MS }),
    defaultSpeaker: env.VOICEVOX_SPEAKER,
    maxChars: env.VOICE_MAX_TEXT_CHARS,
    engineWaitMs: env.VOICEVOX_WAIT_MS,
    ...(env.VOICE_LAMBDA_SECRET ? { sharedSecret: env.VOICE_LAMBDA_SECRET } : {}),
    blobs,
    log: pino({ level: env.LOG_LEVEL }),
  });
}

let built: Promise<(event: VoiceLambdaEvent) => Promise<VoiceLambdaResult>> | null = null;

/** The Lambda entry point (`handler` in the bundled file); configured on the first invocation. */
export async function handler(event: VoiceLambdaEvent): Promise<VoiceLambdaResult> {
  if (!built) {
    built = voiceHandlerFromEnv();
    // A configuration error is reported on every invocation until fixed, not cached as a broken handler.
    built.catch(() => {
      built = null;
    });
  }
  return (await built)(event);
}
