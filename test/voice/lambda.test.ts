import { LambdaClient } from "@aws-sdk/client-lambda";
import nock from "nock";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIO_KEY, audioKey } from "../../src/voice/audio-key.js";
import {
  createVoiceHandler,
  MAX_BODY_BYTES,
  type VoiceHandlerConfig,
  type VoiceLambdaEvent,
  type VoiceLambdaResult,
  voiceHandlerFromEnv,
} from "../../src/voice/lambda.js";
import { functionUrlInvoke, sdkInvoke, VoiceLambdaError } from "../../src/voice/lambda-client.js";
import { VoicevoxClient } from "../../src/voice/voicevox.js";
import { type LocalS3, startLocalS3 } from "../blob/s3rver-server.js";
import { deadUrl, type FakeEngine, startFakeEngine } from "./fake-voicevox.js";
import { walkMp3 } from "./mp3-frames.js";

const SECRET = "s3cret-for-tests";

let engine: FakeEngine;
beforeAll(async () => {
  engine = await startFakeEngine();
});
afterAll(async () => engine.close());

function handlerWithConfig(over: Partial<VoiceHandlerConfig> = {}): VoiceHandlerConfig {
  return {
    engine: new VoicevoxClient({ baseUrl: engine.url, timeoutMs: 5000 }),
    defaultSpeaker: 3,
    maxChars: 200,
    engineWaitMs: 0,
    sharedSecret: SECRET,
    log: pino({ level: "silent" }),
    ...over,
  };
}

function handlerWith(over: Partial<VoiceHandlerConfig> = {}) {
  return createVoiceHandler(handlerWithConfig(over));
}

/** A Lambda Function URL event (payload format 2.0), with the shared secret unless `headers` replaces it. */
function urlEvent(
  body: string,
  headers: Record<string, string> = {},
  method = "POST",
  base64 = false,
): VoiceLambdaEvent {
  return {
    version: "2.0",
    requestContext: { http: { method } },
    headers: { "content-type": "application/x-www-form-urlencoded", "x-dash-voice-secret": SECRET, ...headers },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

function mp3Of(result: VoiceLambdaResult): Buffer {
  expect(result.statusCode).toBe(200);
  expect(result.headers["content-type"]).toBe("audio/mpeg");
  expect(result.isBase64Encoded).toBe(true);
  return Buffer.from(result.body, "base64");
}

const errorOf = (r: VoiceLambdaResult) => JSON.parse(r.body).error as string;

describe("VOICEVOX Lambda handler", () => {
  it("speaks form-encoded text, as the hackathon client sent it, and answers base64 MP3", async () => {
    const result = await handlerWith()(urlEvent(`text=${encodeURIComponent("ずんだもんなのだ")}`));
    const walk = walkMp3(mp3Of(result));
    expect(walk.seconds).toBeGreaterThan(0.3);
    expect(result.headers["x-voicevox-version"]).toBe("0.24.1");
    expect(result.headers["x-audio-key"]).toMatch(AUDIO_KEY);
    expect(engine.violations).toEqual([]);
  });

  it("takes JSON with text and speaker, base64-encoded bodies, and API Gateway REST events", async () => {
    const handler = handlerWith();
    mp3Of(
      await handler(
        urlEvent(JSON.stringify({ text: "こんにちは", speaker: 1 }), { "content-type": "application/json" }),
      ),
    );
    expect(engine.calls.at(-1)?.query.speaker).toBe("1");
    mp3Of(await handler(urlEvent("text=hello&speaker=8", {}, "POST", true)));
    expect(engine.calls.at(-1)?.query.speaker).toBe("8");
    mp3Of(
      await handler({
        httpMethod: "POST",
        headers: { "Content-Type": "application/json", "X-Dash-Voice-Secret": SECRET },
        body: JSON.stringify({ text: "REST API" }),
        isBase64Encoded: false,
      }),
    );
  });

  it("accepts direct invocations (the SDK path) without HTTP framing", async () => {
    mp3Of(await handlerWith()({ text: "直接", speaker: 3 }));
  });

  it.each([
    [422, "missing text", urlEvent("speaker=3"), /text is required/],
    [422, "blank text", urlEvent("text=%20%20"), /text is required/],
    [422, "a speaker that is not a style id", urlEvent("text=hi&speaker=abc"), /speaker/],
    [
      422,
      "a malformed key",
      urlEvent(JSON.stringify({ text: "hi", key: "../../etc" }), { "content-type": "application/json" }),
      /key/,
    ],
    [413, "text over the limit", urlEvent(`text=${"あ".repeat(201)}`), /201 characters; the limit is 200/],
    [413, "a body over 16 KB", urlEvent(`text=${"a".repeat(MAX_BODY_BYTES)}`), /request body over/],
    [400, "broken JSON", urlEvent("{nope", { "content-type": "application/json" }), /not valid JSON/],
    [405, "a GET", urlEvent("", {}, "GET"), /use POST/],
  ])("answers %i to %s", async (status, _, event, message) => {
    const result = await handlerWith()(event);
    expect(result.statusCode).toBe(status);
    expect(errorOf(result)).toMatch(message);
  });

  it("passes on the engine's refusal as 422", async () => {
    const result = await handlerWith()(urlEvent("text=hi&speaker=5000"));
    expect(result.statusCode).toBe(422);
    expect(errorOf(result)).toMatch(/refused/);
    engine.violations.length = 0;
  });

  it("answers 503 with a clear message when the engine is down", async () => {
    const handler = handlerWith({
      engine: new VoicevoxClient({ baseUrl: await deadUrl(), timeoutMs: 1000 }),
      engineWaitMs: 600,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const result = await handler(urlEvent("text=hi"));
    expect(result.statusCode).toBe(503);
    expect(result.headers["retry-after"]).toBe("5");
    expect(errorOf(result)).toMatch(
      /VOICEVOX engine at http:\/\/127\.0\.0\.1:\d+ is not reachable.*may still be starting/,
    );
  });

  it("requires the shared secret from HTTP callers", async () => {
    const handler = handlerWith({ sharedSecret: "s3cret" });
    const bare = urlEvent("text=hi");
    delete bare.headers?.["x-dash-voice-secret"];
    expect((await handler(bare)).statusCode).toBe(401);
    expect((await handler(urlEvent("text=hi", { "x-dash-voice-secret": "wrong!" }))).statusCode).toBe(401);
    expect((await handler(urlEvent("text=hi", { "x-dash-voice-secret": "s3cret-but-longer" }))).statusCode).toBe(401);
    const before = engine.syntheses();
    mp3Of(await handler({ ...bare, headers: { ...bare.headers, "X-Dash-Voice-Secret": "s3cret" } }));
    // Direct invocations are authorised by IAM, not by the header.
    mp3Of(await handler({ text: "hi" }));
    expect(engine.syntheses()).toBe(before + 2);
  });

  it("refuses every HTTP call when it has no secret, and says how to fix it", async () => {
    const { sharedSecret: _, ...open } = handlerWithConfig();
    const handler = createVoiceHandler(open);
    const before = engine.syntheses();
    for (const event of [
      urlEvent("text=hi", { "x-dash-voice-secret": "" }),
      urlEvent("text=hi", { "x-dash-voice-secret": "anything" }),
      { httpMethod: "POST", headers: {}, body: "text=hi", isBase64Encoded: false },
    ]) {
      const result = await handler(event);
      expect(result.statusCode).toBe(403);
      expect(errorOf(result)).toMatch(/no VOICE_LAMBDA_SECRET.*refuses HTTP calls.*VOICE_LAMBDA_FUNCTION/);
    }
    expect(engine.syntheses()).toBe(before);
    // Invoking it by name is still possible: IAM decides who may.
    mp3Of(await handler({ text: "hi" }));
  });

  describe("writing to S3 instead of answering audio", () => {
    let s3: LocalS3;
    beforeAll(async () => {
      s3 = await startLocalS3("voice-out");
    });
    afterAll(async () => s3.close());

    const bucket = () => s3.blobStore();

    it("stores the MP3 under the content address of what it spoke, and answers the key", async () => {
      const blobs = bucket();
      const key = audioKey({ engineVersion: "0.24.1", speaker: 3, text: "保存して" });
      const result = await handlerWith({ blobs })({ text: "保存して", key });
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toMatchObject({ key, engineVersion: "0.24.1" });
      const stored = await blobs.get(key);
      expect(stored?.contentType).toBe("audio/mpeg");
      walkMp3(stored?.body ?? Buffer.alloc(0));
      // Without a key, the same address is computed.
      expect(JSON.parse((await handlerWith({ blobs })({ text: "保存して", speaker: 3 })).body).key).toBe(key);
      await blobs.close();
    });

    it("refuses a key that is not the address of the text, speaker and engine, and stores nothing", async () => {
      const blobs = bucket();
      const handler = handlerWith({ blobs });
      const someoneElses = audioKey({ engineVersion: "0.24.1", speaker: 3, text: "本当の台詞" });
      const before = engine.syntheses();
      for (const event of [
        { text: "別の言葉", key: someoneElses },
        { text: "本当の台詞", speaker: 1, key: someoneElses },
        { text: "本当の台詞", key: audioKey({ engineVersion: "0.23.0", speaker: 3, text: "本当の台詞" }) },
        urlEvent(JSON.stringify({ text: "別の言葉", key: someoneElses }), { "content-type": "application/json" }),
      ]) {
        const result = await handler(event);
        expect(result.statusCode).toBe(422);
        expect(errorOf(result)).toMatch(/not the content address .* engine 0\.24\.1/);
      }
      expect(await blobs.exists(someoneElses)).toBe(false);
      expect(engine.syntheses()).toBe(before);
      await blobs.close();
    });
  });

  it("is configured from its environment, and says what is missing", async () => {
    const handler = await voiceHandlerFromEnv({
      VOICEVOX_URL: engine.url,
      LOG_LEVEL: "silent",
      VOICE_MAX_TEXT_CHARS: "5",
      VOICE_LAMBDA_SECRET: ` ${SECRET}\n`,
    });
    expect((await handler(urlEvent("text=toolong"))).statusCode).toBe(413);
    // An empty secret is no secret: HTTP calls are refused.
    const open = await voiceHandlerFromEnv({ VOICEVOX_URL: engine.url, LOG_LEVEL: "silent", VOICE_LAMBDA_SECRET: " " });
    expect((await open(urlEvent("text=hi", { "x-dash-voice-secret": "" }))).statusCode).toBe(403);
    await expect(voiceHandlerFromEnv({ VOICE_OUTPUT: "blob", BLOB_URL: "file:./x" })).rejects.toThrow(/BLOB_URL=s3:/);
  });
});

describe("calling the Lambda", () => {
  const FUNCTION_URL = "https://abc123.lambda-url.ap-northeast-1.on.aws";

  it("over its Function URL: sends JSON and the secret, gets the MP3", async () => {
    const handler = handlerWith({ sharedSecret: "s3cret" });
    nock(FUNCTION_URL)
      .post("/")
      .matchHeader("x-dash-voice-secret", "s3cret")
      .matchHeader("content-type", "application/json")
      // nock 15 hands a reply function the request itself (a Fetch API Request).
      .reply(async (request: Request) => {
        const headers = Object.fromEntries(request.headers.entries());
        const result = await handler(urlEvent(await request.text(), headers));
        return [
          result.statusCode,
          Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8"),
          result.headers,
        ];
      });
    const invoke = functionUrlInvoke({ url: `${FUNCTION_URL}/`, secret: "s3cret" });
    const answer = await invoke(
      { text: "マージおめでとう", speaker: 3, key: `audio/${"0".repeat(64)}.mp3` },
      new AbortController().signal,
    );
    expect("mp3" in answer && walkMp3(answer.mp3).frames).toBeGreaterThan(10);
    expect(answer).toMatchObject({ engineVersion: "0.24.1" });
  });

  it("over its Function URL: reports the Lambda's error status and message", async () => {
    nock(FUNCTION_URL).post("/").reply(503, { error: "VOICEVOX engine at http://127.0.0.1:50021 is not reachable" });
    const invoke = functionUrlInvoke({ url: `${FUNCTION_URL}/`, secret: SECRET });
    const err = await invoke(
      { text: "x", speaker: 3, key: `audio/${"0".repeat(64)}.mp3` },
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoiceLambdaError);
    expect(err).toMatchObject({ status: 503, message: expect.stringMatching(/503: VOICEVOX engine .* not reachable/) });
  });

  it("by function name through the AWS SDK, once, without retries", async () => {
    const handler = handlerWith();
    const api = nock("https://lambda.ap-northeast-1.amazonaws.com")
      .post("/2015-03-31/functions/dash-voice/invocations")
      .reply(async (request: Request) => [
        200,
        JSON.stringify(await handler((await request.json()) as VoiceLambdaEvent)),
      ])
      .post("/2015-03-31/functions/dash-voice/invocations")
      .reply(200, JSON.stringify({ errorMessage: "Task timed out after 15.00 seconds" }), {
        "x-amz-function-error": "Unhandled",
      });
    const client = new LambdaClient({
      region: "ap-northeast-1",
      maxAttempts: 1,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    });
    const invoke = sdkInvoke({ functionName: "dash-voice", region: "ap-northeast-1", client });
    const key = `audio/${"1".repeat(64)}.mp3`;
    const answer = await invoke({ text: "SDK経由", speaker: 3, key }, new AbortController().signal);
    expect("mp3" in answer && walkMp3(answer.mp3).frames).toBeGreaterThan(10);
    // The engine that spoke it, from the handler's headers inside the SDK's payload.
    expect(answer).toMatchObject({ engineVersion: "0.24.1" });
    await expect(invoke({ text: "x", speaker: 3, key }, new AbortController().signal)).rejects.toThrow(
      /voice Lambda failed \(Unhandled\): Task timed out/,
    );
    expect(api.isDone()).toBe(true);
    client.destroy();
  });
});
