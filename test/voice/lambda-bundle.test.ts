import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM build script without type declarations
import { buildVoiceLambda } from "../../deploy/voicevox-lambda/build.mjs";
import type * as LambdaModule from "../../src/voice/lambda.js";
import { type FakeEngine, startFakeEngine } from "./fake-voicevox.js";
import { walkMp3 } from "./mp3-frames.js";

let engine: FakeEngine;
let dir: string;
let bundle: typeof LambdaModule;
beforeAll(async () => {
  engine = await startFakeEngine();
  dir = await mkdtemp(join(tmpdir(), "voice-lambda-"));
  const file: string = await buildVoiceLambda(dir);
  bundle = createRequire(import.meta.url)(file);
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the bundled Lambda file the container image runs", () => {
  it("exports `handler`, which answers a Function URL event", async () => {
    const result = await bundle.handler({
      version: "2.0",
      requestContext: { http: { method: "GET" } },
      headers: {},
      body: "",
    });
    expect(result.statusCode).toBe(405);
  });

  it("speaks through the engine beside it, configured from the environment", async () => {
    const event = (secret: string) => ({
      version: "2.0",
      requestContext: { http: { method: "POST" } },
      headers: { "content-type": "application/x-www-form-urlencoded", "x-dash-voice-secret": secret },
      body: `text=${encodeURIComponent("バンドルから")}`,
      isBase64Encoded: false,
    });
    const open = await bundle.voiceHandlerFromEnv({ VOICEVOX_URL: engine.url, LOG_LEVEL: "silent" });
    expect((await open(event(""))).statusCode).toBe(403);
    expect(engine.syntheses()).toBe(0);
    const handler = await bundle.voiceHandlerFromEnv({
      VOICEVOX_URL: engine.url,
      LOG_LEVEL: "silent",
      VOICE_LAMBDA_SECRET: "bundle-secret",
    });
    expect((await handler(event("wrong"))).statusCode).toBe(401);
    const result = await handler(event("bundle-secret"));
    expect(result.statusCode).toBe(200);
    expect(walkMp3(Buffer.from(result.body, "base64")).frames).toBeGreaterThan(10);
    expect(engine.violations).toEqual([]);
  });
});
