import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/blob/blob-store.js";
import { FsBlobStore } from "../../src/blob/fs.js";
import { BudgetStore } from "../../src/store/budget-store.js";
import { migrate } from "../../src/store/migrate.js";
import { allMigrations } from "../../src/store/open-store.js";
import { SqliteDb } from "../../src/store/sqlite-db.js";
import { Budget, LAMBDA_INIT_MS, lambdaCostMicros } from "../../src/voice/budget.js";
import { createVoiceHandler, type VoiceLambdaEvent } from "../../src/voice/lambda.js";
import { functionUrlInvoke } from "../../src/voice/lambda-client.js";
import { speak, type VoiceDeps, type VoiceOutcome } from "../../src/voice/speak.js";
import { engineSynthesizer, lambdaSynthesizer, type Synthesizer } from "../../src/voice/synthesizer.js";
import { VoicevoxClient } from "../../src/voice/voicevox.js";
import { withLocalS3 } from "../blob/s3rver-server.js";
import { http } from "../helpers/http.js";
import { logSink } from "../helpers/log-sink.js";
import { replacing } from "../helpers/replacing.js";
import { type FakeEngine, startFakeEngine } from "./fake-voicevox.js";
import { walkMp3 } from "./mp3-frames.js";

const ESTIMATE = lambdaCostMicros(2048, LAMBDA_INIT_MS + 15_000, "ap-northeast-1");
const now = () => new Date("2026-04-01T09:00:00Z");

let engine: FakeEngine;
let db: SqliteDb;
let dir: string;
let blobs: BlobStore;
beforeEach(async () => {
  engine = await startFakeEngine();
  db = new SqliteDb(":memory:");
  await migrate(db, allMigrations);
  dir = await mkdtemp(join(tmpdir(), "speak-"));
  blobs = new FsBlobStore({ root: dir, publicUrl: "http://dash.test" });
});
afterEach(async () => {
  await engine.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

function budgetFor(voiceUsd: number, voiceInstallationUsd = voiceUsd) {
  return new Budget({
    store: new BudgetStore(db),
    limits: { voiceUsd, voiceInstallationUsd, geminiUsd: 0, geminiInstallationUsd: 0 },
    now,
  });
}

function deps(over: Partial<VoiceDeps> = {}): VoiceDeps {
  return {
    synth: engineSynthesizer(new VoicevoxClient({ baseUrl: engine.url, timeoutMs: 5000 })),
    blobs,
    budget: budgetFor(1),
    memoryMb: 2048,
    region: "ap-northeast-1",
    timeoutMs: 15_000,
    functionTimeoutMs: 15_000,
    log: pino({ level: "silent" }),
    ...over,
  };
}

describe("speaking a line", () => {
  it("synthesises once, then serves the stored audio for free", async () => {
    const d = deps();
    const first = await speak("ごちそうさま!", 3, 1, d);
    const second = await speak("ごちそうさま!", 3, 1, d);
    expect(first).toMatchObject({ status: "ready", cached: false, credit: "VOICEVOX:ずんだもん" });
    expect(second).toMatchObject({ status: "ready", cached: true, costMicros: 0 });
    expect(first.status === "ready" && second.status === "ready" && first.url === second.url).toBe(true);
    expect(engine.syntheses()).toBe(1);
    const report = await d.budget.today();
    expect(report.voice.uses).toBe(1);
    expect(first.status === "ready" && report.voice.spentUsd * 1_000_000).toBe(
      first.status === "ready" && first.costMicros,
    );
    const stored = await blobs.get(first.status === "ready" ? first.key : "");
    walkMp3(stored?.body ?? Buffer.alloc(0));
  });

  it("synthesises nothing and says why when the budget cannot be reserved (a database error)", async () => {
    const real = budgetFor(1);
    const failing = replacing(real, "reserve", async () => {
      throw new Error("database unreachable");
    });
    const out = await speak("ごちそうさま!", 3, 1, deps({ budget: failing }));
    expect(out).toEqual({ status: "failed", reason: "the voice budget could not be reserved: database unreachable" });
    expect(engine.syntheses()).toBe(0);
  });

  it("says so, and tells the App to stop voicing, when stored audio cannot be read back", async () => {
    // An identity that may write but not read (no s3:GetObject): every read looks like a missing key.
    const writeOnly = replacing(blobs, "exists", async () => false);
    let told = 0;
    const out = await speak("ごちそうさま!", 3, 1, deps({ blobs: writeOnly, onUnreadable: () => told++ }));
    expect(out).toEqual({
      status: "failed",
      reason:
        "synthesis failed: the audio was stored but cannot be read back: the blob store's identity may lack read access (s3:GetObject)",
    });
    expect(told).toBe(1);
  });

  it("lets exactly 10 of 200 simultaneous lines be synthesised when the budget holds 10", async () => {
    const d = deps({ budget: budgetFor((10 * ESTIMATE) / 1_000_000) });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => speak(`line number ${i}`, 3, 1, d)));
    const count = (s: VoiceOutcome["status"]) => outcomes.filter((o) => o.status === s).length;
    expect(count("ready")).toBe(10);
    expect(count("budget")).toBe(190);
    expect(engine.syntheses()).toBe(10);
    // The engine's version was asked once for the whole burst.
    expect(engine.calls.filter((c) => c.path === "/version")).toHaveLength(1);
  });

  it("synthesises a line asked for by many at once only once", async () => {
    const d = deps();
    const inFlight = new Map<string, Promise<VoiceOutcome>>();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => speak("same line", 3, 1, d, inFlight)));
    expect(new Set(outcomes.map((o) => (o.status === "ready" ? o.url : o.status))).size).toBe(1);
    expect(engine.syntheses()).toBe(1);
  });

  it("finds the credit of a style missing from the table in the engine's speakers, and refuses unknown ones", async () => {
    expect(await speak("hi", 77, 1, deps())).toMatchObject({ status: "ready", credit: "VOICEVOX:テスト話者" });
    expect(await speak("hi", 99, 1, deps())).toEqual({
      status: "failed",
      reason: "no known VOICEVOX character for style 99",
    });
    expect(engine.syntheses()).toBe(1);
  });

  it("asks the engine's speakers once for lookups made at the same time", async () => {
    const d = deps();
    const outcomes = await Promise.all([speak("one", 77, 1, d), speak("two", 77, 1, d), speak("three", 77, 1, d)]);
    for (const o of outcomes) expect(o).toMatchObject({ status: "ready", credit: "VOICEVOX:テスト話者" });
    expect(engine.calls.filter((c) => c.path === "/speakers")).toHaveLength(1);
  });

  it("asks the engine's speakers again after a failed lookup", async () => {
    await engine.close();
    engine = await startFakeEngine({ speakersFailures: 1 });
    const d = deps();
    expect(await speak("hi", 77, 1, d)).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^voice engine not available: /),
    });
    expect(await speak("hi", 77, 1, d)).toMatchObject({ status: "ready", credit: "VOICEVOX:テスト話者" });
    expect(engine.calls.filter((c) => c.path === "/speakers")).toHaveLength(2);
  });

  const stuck: Synthesizer = {
    mode: "lambda",
    engineVersion: async () => "0.24.1",
    synthesize: () => new Promise(() => undefined),
    character: async () => "ずんだもん",
  };

  it("gives up at the timeout and books a cold start and the function's whole timeout: the invocation runs on", async () => {
    const d = deps({ synth: stuck, timeoutMs: 50, functionTimeoutMs: 30_000 });
    expect(await speak("slow", 3, 1, d)).toEqual({
      status: "failed",
      reason: "synthesis failed: no audio within 50 ms",
    });
    const report = await d.budget.today();
    expect(report.voice).toMatchObject({ uses: 1, reservedUsd: 0 });
    expect(Math.round(report.voice.spentUsd * 1_000_000)).toBe(
      lambdaCostMicros(2048, LAMBDA_INIT_MS + 30_000, "ap-northeast-1"),
    );
  });

  it("never lets timed-out calls spend past the ceiling", async () => {
    const worst = lambdaCostMicros(2048, LAMBDA_INIT_MS + 30_000, "ap-northeast-1");
    // Room for two worst cases (and a micro-dollar, so rounding cannot decide), not three.
    const limitUsd = (2 * worst + 1) / 1_000_000;
    const d = deps({ synth: stuck, timeoutMs: 30, functionTimeoutMs: 30_000, budget: budgetFor(limitUsd) });
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => speak(`stuck ${i}`, 3, 1, d)));
    expect(outcomes.filter((o) => o.status === "failed")).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === "budget")).toHaveLength(4);
    const report = await d.budget.today();
    expect(report.voice).toMatchObject({ uses: 2, reservedUsd: 0 });
    expect(report.voice.spentUsd).toBeLessThanOrEqual(limitUsd);
    expect(await speak("one more", 3, 1, d)).toMatchObject({ status: "budget" });
  });

  it("books a call that answered at its measured time, never above the reservation", async () => {
    const d = deps({ timeoutMs: 15_000, functionTimeoutMs: 30_000 });
    const outcome = await speak("はやい", 3, 1, d);
    expect(outcome).toMatchObject({ status: "ready", cached: false });
    const spent = (await d.budget.today()).voice.spentUsd * 1_000_000;
    expect(spent).toBe(outcome.status === "ready" ? outcome.costMicros : -1);
    expect(spent).toBeLessThan(lambdaCostMicros(2048, 15_000, "ap-northeast-1"));
  });
});

describe("speaking through the Lambda", () => {
  const FUNCTION_URL = "https://voice.lambda-url.ap-northeast-1.on.aws/";

  /** nock stands in for the Function URL and runs the real handler against the local engine. */
  const SECRET = "shared-secret";

  function lambdaBehindNock(blobsInLambda: BlobStore | null, inLambda: FakeEngine = engine) {
    const handler = createVoiceHandler({
      engine: new VoicevoxClient({ baseUrl: inLambda.url, timeoutMs: 5000 }),
      defaultSpeaker: 3,
      maxChars: 200,
      engineWaitMs: 0,
      sharedSecret: SECRET,
      blobs: blobsInLambda,
      log: pino({ level: "silent" }),
    });
    nock("https://voice.lambda-url.ap-northeast-1.on.aws")
      .post("/")
      .reply(async (request: Request) => {
        const event: VoiceLambdaEvent = {
          version: "2.0",
          requestContext: { http: { method: "POST" } },
          headers: Object.fromEntries(request.headers.entries()),
          body: await request.text(),
          isBase64Encoded: false,
        };
        const result = await handler(event);
        return [
          result.statusCode,
          Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8"),
          result.headers,
        ];
      });
  }

  /** The App's synthesizer calling the Lambda through its Function URL (nocked above). */
  const lambdaSynth = () => lambdaSynthesizer(functionUrlInvoke({ url: FUNCTION_URL, secret: SECRET }), "0.24.1");

  it("stores the MP3 the Lambda answers in the App's store", async () => {
    lambdaBehindNock(null);
    const synth = lambdaSynth();
    const logs = logSink();
    const outcome = await speak("ラムダから", 3, 1, deps({ synth, log: pino({ level: "info" }, logs.sink) }));
    expect(outcome).toMatchObject({ status: "ready", cached: false });
    expect(outcome.status === "ready" && outcome.url).toMatch(/^http:\/\/dash\.test\/audio\/[0-9a-f]{64}\.mp3$/);
    expect(engine.syntheses()).toBe(1);
    // The engine the App's setting names spoke it: nothing to say.
    expect(logs.lines).toEqual([]);
  });

  it("tells the operator when the Lambda's engine is not the version the App keys audio by", async () => {
    // The function was rebuilt with a newer engine; VOICEVOX_ENGINE_VERSION still names the old one.
    const newer = await startFakeEngine({ version: "0.25.0" });
    lambdaBehindNock(null, newer);
    const logs = logSink();
    const outcome = await speak(
      "新しいエンジン",
      3,
      1,
      deps({ synth: lambdaSynth(), log: pino({ level: "info" }, logs.sink) }),
    );
    // The audio is good and kept; the warning says what to set.
    expect(outcome).toMatchObject({ status: "ready", cached: false });
    expect(newer.syntheses()).toBe(1);
    expect(logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 40,
        engineVersion: "0.25.0",
        configured: "0.24.1",
        msg: "the voice Lambda runs VOICEVOX 0.25.0, not 0.24.1: set VOICEVOX_ENGINE_VERSION=0.25.0",
      }),
    ]);
    await newer.close();
  });

  it("uses the key the Lambda stored in a shared S3 bucket, and links to the bucket's public URL", async () => {
    await withLocalS3("shared-audio", async (s3) => {
      const bucket = (publicUrl?: string) => s3.blobStore(publicUrl ? { publicUrl } : {});
      lambdaBehindNock(bucket());
      const synth = lambdaSynth();
      const appBlobs = bucket(`${s3.endpoint}/${s3.bucket}`);
      const outcome = await speak("共有バケット", 3, 1, deps({ synth, blobs: appBlobs }));
      expect(outcome).toMatchObject({ status: "ready", cached: false });
      const url = outcome.status === "ready" ? outcome.url : "";
      expect(url).toMatch(new RegExp(`^${s3.endpoint}/shared-audio/dash/audio/[0-9a-f]{64}\\.mp3$`));
      const res = await http(url);
      expect(res.status).toBe(200);
      walkMp3(res.body);
      // A second App asking for the same line finds it in the bucket without calling the Lambda.
      expect(await speak("共有バケット", 3, 1, deps({ synth, blobs: appBlobs }))).toMatchObject({ cached: true });
      await appBlobs.close();
    });
  });

  it("links audio in a private bucket through the App's own route, so the link never expires", async () => {
    await withLocalS3("private-audio", async (s3) => {
      const bucket = () => s3.blobStore();
      lambdaBehindNock(bucket());
      const synth = lambdaSynth();
      const appBlobs = bucket();
      const outcome = await speak("非公開バケット", 3, 1, deps({ synth, blobs: appBlobs }));
      expect(outcome).toMatchObject({ status: "ready", cached: false });
      expect(outcome.status === "ready" && outcome.url).toMatch(/^http:\/\/dash\.test\/audio\/[0-9a-f]{64}\.mp3$/);
      const again = await speak("非公開バケット", 3, 1, deps({ synth, blobs: appBlobs }));
      expect(again).toMatchObject({ cached: true, url: outcome.status === "ready" ? outcome.url : "" });
      await appBlobs.close();
    });
  });

  it("stops voicing when the Lambda stores where the App cannot read (another prefix)", async () => {
    await withLocalS3("elsewhere", async (s3) => {
      const lambdas = s3.blobStore({ prefix: "lambda" });
      lambdaBehindNock(lambdas);
      const synth = lambdaSynth();
      const appBlobs = s3.blobStore({ prefix: "app" });
      let told = 0;
      const outcome = await speak("見えない", 3, 1, deps({ synth, blobs: appBlobs, onUnreadable: () => told++ }));
      expect(outcome).toMatchObject({ status: "failed" });
      expect(outcome.status === "failed" && outcome.reason).toMatch(/which this App's blob store cannot see$/);
      expect(told).toBe(1);
      await Promise.all([lambdas.close(), appBlobs.close()]);
    });
  });

  it("has the Lambda store a line with surrounding spaces under the address the App computed", async () => {
    await withLocalS3("trimmed", async (s3) => {
      const bucket = s3.blobStore({ prefix: "" });
      lambdaBehindNock(bucket);
      const synth = lambdaSynth();
      expect(await speak("  余白つき \n", 3, 1, deps({ synth, blobs: bucket }))).toMatchObject({ status: "ready" });
      await bucket.close();
    });
  });
});
