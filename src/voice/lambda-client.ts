import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SECRET_HEADER, VERSION_HEADER, type VoiceLambdaResult } from "./lambda.js";

export interface LambdaVoiceRequest {
  text: string;
  speaker: number;
  /** The content address the App will store the audio under (in `blob` mode the Lambda refuses any other). */
  key: string;
}

/**
 * The Lambda's answer: the MP3 itself, with the engine version that spoke it when the Lambda says
 * (`x-voicevox-version`), or the key it stored the MP3 under.
 */
export type LambdaVoiceAnswer = { mp3: Buffer; engineVersion?: string } | { storedKey: string };

/** The audio, and the engine version the answer names if it looks like one (it is logged). */
function audioAnswer(mp3: Buffer, engineVersion: string | null | undefined): LambdaVoiceAnswer {
  return engineVersion && /^[\w.+-]{1,40}$/.test(engineVersion) ? { mp3, engineVersion } : { mp3 };
}

/** Calls the VOICEVOX Lambda once (never retried: a retry is a second bill). */
export type LambdaInvoke = (req: LambdaVoiceRequest, signal: AbortSignal) => Promise<LambdaVoiceAnswer>;

/** The Lambda answered with an error status (or could not be invoked). */
export class VoiceLambdaError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; errorMessage?: unknown };
    return String(parsed.error ?? parsed.message ?? parsed.errorMessage ?? body).slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** Reads a proxy-integration result (what the handler returns) into MP3 bytes or a stored key. */
export function decodeLambdaResult(result: VoiceLambdaResult): LambdaVoiceAnswer {
  const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : Buffer.from(result.body ?? "", "utf8");
  if (result.statusCode < 200 || result.statusCode >= 300) {
    throw new VoiceLambdaError(
      `voice Lambda answered ${result.statusCode}: ${errorText(body.toString("utf8"))}`,
      result.statusCode,
    );
  }
  const header = (name: string) => Object.entries(result.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
  const type = header("content-type") ?? "";
  if (type.startsWith("audio/mpeg")) return audioAnswer(body, header(VERSION_HEADER));
  const parsed = JSON.parse(body.toString("utf8")) as { key?: unknown };
  if (typeof parsed.key !== "string") throw new VoiceLambdaError("voice Lambda answered neither audio nor a key", 502);
  return { storedKey: parsed.key };
}

/**
 * The Lambda behind a Function URL, over HTTPS with fetch. The shared secret goes in a header the
 * handler checks, so a leaked URL alone cannot run up a bill (the handler refuses HTTP calls without one).
 */
export function functionUrlInvoke(opts: { url: string; secret: string; fetch?: typeof fetch }): LambdaInvoke {
  const send = opts.fetch ?? fetch;
  return async (req, signal) => {
    const res = await send(opts.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "audio/mpeg, application/json",
        [SECRET_HEADER]: opts.secret,
      },
      body: JSON.stringify(req),
      signal,
    });
    const body = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok)
      throw new VoiceLambdaError(
        `voice Lambda answered ${res.status}: ${errorText(body.toString("utf8"))}`,
        res.status,
      );
    if (type.startsWith("audio/mpeg")) return audioAnswer(body, res.headers.get(VERSION_HEADER));
    return decodeLambdaResult({
      statusCode: res.status,
      headers: { "content-type": type },
      body: body.toString("utf8"),
      isBase64Encoded: false,
    });
  };
}

/** The Lambda by function name through the AWS SDK (IAM-authorised; the SDK's retries are turned off). */
export function sdkInvoke(opts: { functionName: string; region: string; client?: LambdaClient }): LambdaInvoke {
  const client = opts.client ?? new LambdaClient({ region: opts.region, maxAttempts: 1 });
  return async (req, signal) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: opts.functionName,
        InvocationType: "RequestResponse",
        Payload: Buffer.from(JSON.stringify(req)),
      }),
      { abortSignal: signal },
    );
    const text = Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8");
    if (out.FunctionError) {
      throw new VoiceLambdaError(`voice Lambda failed (${out.FunctionError}): ${errorText(text)}`, 502);
    }
    let result: VoiceLambdaResult;
    try {
      result = JSON.parse(text) as VoiceLambdaResult;
    } catch {
      throw new VoiceLambdaError("voice Lambda answered something that is not a handler result", 502);
    }
    return decodeLambdaResult(result);
  };
}
