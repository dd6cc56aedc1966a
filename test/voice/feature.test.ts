import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/blob/blob-store.js";
import { FsBlobStore } from "../../src/blob/fs.js";
import { commentsFeature } from "../../src/comments/feature.js";
import type { PrReaction, PrTarget } from "../../src/comments/index.js";
import type { FeatureContext } from "../../src/feature.js";
import { metricsFeature } from "../../src/metrics/feature.js";
import { AUDIO_KEY } from "../../src/voice/audio-key.js";
import { LAMBDA_INIT_MS, lambdaCostMicros } from "../../src/voice/budget.js";
import { type VoiceFeature, type VoiceFeatureOptions, voiceFeature } from "../../src/voice/feature.js";
import { type Harness, mockConfig, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { replacing } from "../helpers/replacing.js";
import { signal } from "../helpers/signal.js";
import { type FakeGemini, type Replier, startFakeGemini, text } from "./fake-gemini.js";
import { deadUrl, type FakeEngine, startFakeEngine } from "./fake-voicevox.js";
import { walkMp3 } from "./mp3-frames.js";

type Payload = Record<string, unknown>;
const OWNER = "Codertocat";
const REPO = "Hello-World";
const PR = 2;
const NOW = new Date("2026-03-10T12:00:00Z");
const API = "https://api.github.com";

/**
 * No retries, no throttling (forced in a defaults function: Probot merges its own throttle options
 * over a plain object, which would switch throttling back on and slow every comment write).
 */
const QuickOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

/** The comment bodies the App sent, in order. */
type Sent = string[];

function mockListComments(pr: number) {
  nock(API).get(`/repos/${OWNER}/${REPO}/issues/${pr}/comments`).query({ per_page: "100" }).reply(200, []);
}

function mockCreateComment(pr: number, id: number, sent: Sent) {
  nock(API)
    .post(`/repos/${OWNER}/${REPO}/issues/${pr}/comments`)
    .reply(201, async (request: Request) => {
      const { body } = (await request.json()) as { body: string };
      sent.push(body);
      return { id, body };
    });
}

function mockUpdateComment(id: number, sent: Sent) {
  nock(API)
    .patch(`/repos/${OWNER}/${REPO}/issues/comments/${id}`)
    .reply(200, async (request: Request) => {
      const { body } = (await request.json()) as { body: string };
      sent.push(body);
      return { id, body };
    });
}
/** What one synthesis reserves with the default settings (2048 MB for the function's 30 s timeout). */
const RESERVATION_USD = lambdaCostMicros(2048, LAMBDA_INIT_MS + 30_000, "ap-northeast-1") / 1_000_000;

let engine: FakeEngine;
let blobDir: string;
let app: Harness | null = null;
let voice: VoiceFeature;
let published: { reaction: PrReaction; target: PrTarget }[];
let runningGemini: FakeGemini | null = null;
const GEMINI_KEY = "test-gemini-key";

/** A Gemini endpoint for this test; closed, and checked for requests off the API, after it. */
async function fakeGemini(): Promise<FakeGemini> {
  runningGemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  return runningGemini;
}

beforeEach(async () => {
  engine = await startFakeEngine();
  blobDir = await mkdtemp(join(tmpdir(), "dash-audio-"));
  published = [];
});
afterEach(async () => {
  await app?.close();
  app = null;
  await engine.close();
  await rm(blobDir, { recursive: true, force: true });
  await runningGemini?.close();
  const violations = runningGemini?.violations ?? [];
  runningGemini = null;
  expect(violations).toEqual([]);
});

/** The App with the voice feature (and, unless a publish callback is given, the real PR comments). */
async function start(env: Record<string, string> = {}, opts: VoiceFeatureOptions & { comments?: boolean } = {}) {
  const makeVoice = async (ctx: FeatureContext) => {
    voice = await voiceFeature(ctx, opts);
    return voice;
  };
  app = await startApp({
    env: { VOICE_MODE: "engine", VOICEVOX_URL: engine.url, BLOB_URL: `file:${blobDir}`, ...env },
    features: opts.comments ? [metricsFeature, commentsFeature, makeVoice] : [makeVoice],
    now: () => NOW,
    Octokit: QuickOctokit,
  });
  return app;
}

const capture = {
  publish: async (reaction: PrReaction, target: PrTarget) => {
    published.push({ reaction, target });
  },
};

const withInstallation = (p: Payload) => p.installation !== undefined;
function merged(repo?: { id: number; name: string }): Payload {
  const p = dartPayload("pull_request", "closed", withInstallation);
  (p.pull_request as Payload).merged = true;
  if (repo) {
    const r = p.repository as Payload;
    r.id = repo.id;
    r.name = repo.name;
    r.full_name = `${OWNER}/${repo.name}`;
  }
  return p;
}

async function receive(name: string, payload: Payload) {
  // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
  await app?.probot?.receive({ id: randomUUID(), name, payload } as any);
  await app?.idle();
}

function firstEvent(repo = REPO, config?: string) {
  mockInstallationToken(1);
  if (config === undefined) mockNoConfig(OWNER, repo);
  else mockConfig(OWNER, repo, config);
}

describe("Dash speaks in a merged PR", () => {
  it("puts the line, a working /audio link and the credit in the PR comment", async () => {
    await start({}, { comments: true });
    const posted: Sent = [];
    const patched: Sent = [];
    firstEvent();
    mockListComments(PR);
    mockCreateComment(PR, 1001, posted);
    // Two edits: the line as soon as it is known, then the line with its voice.
    mockUpdateComment(1001, patched);
    mockUpdateComment(1001, patched);

    const res = await app?.deliver("pull_request", merged());
    expect(res?.status).toBe(200);
    await app?.idle();

    expect(engine.syntheses()).toBe(1);
    expect(engine.violations).toEqual([]);
    expect(posted).toHaveLength(1);
    const bodies = patched;
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatch(/^> 💬 “.+”$/m);
    expect(bodies[0]).not.toContain("🔊");
    const listen =
      /^> 🔊 \[Listen\]\((http:\/\/dash\.test\/audio\/([0-9a-f]{64})\.mp3)\) \(VOICEVOX:ずんだもん\)$/m.exec(
        bodies[1] ?? "",
      );
    expect(listen).not.toBeNull();
    // The same line as before, now with its voice.
    expect(bodies[1]).toContain(/^> 💬 “.+”$/m.exec(bodies[0] ?? "")?.[0]);

    const path = new URL(listen?.[1] ?? "").pathname;
    const audio = await app?.get(path);
    expect(audio?.status).toBe(200);
    expect(audio?.headers["content-type"]).toBe("audio/mpeg");
    expect(audio?.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(audio?.headers.etag).toBe(`"${listen?.[2]}"`);
    expect(walkMp3(audio?.body ?? Buffer.alloc(0)).seconds).toBeGreaterThan(0.3);
    expect((await app?.get(path, { "if-none-match": `"${listen?.[2]}"` }))?.status).toBe(304);
    // Players seek with byte ranges (and Safari plays nothing without them).
    const whole = audio?.body ?? Buffer.alloc(0);
    expect(audio?.headers["accept-ranges"]).toBe("bytes");
    const part = await app?.get(path, { range: "bytes=100-199" });
    expect(part?.status).toBe(206);
    expect(part?.headers["content-range"]).toBe(`bytes 100-199/${whole.length}`);
    expect(part?.body.equals(whole.subarray(100, 200))).toBe(true);
    const tail = await app?.get(path, { range: "bytes=-10" });
    expect(tail?.body.equals(whole.subarray(whole.length - 10))).toBe(true);
    const past = await app?.get(path, { range: `bytes=${whole.length}-` });
    expect(past?.status).toBe(416);
    expect(past?.headers["content-range"]).toBe(`bytes */${whole.length}`);
    // A part of another version (If-Range with another tag) gets the whole body instead.
    const stale = await app?.get(path, { range: "bytes=0-9", "if-range": '"0000"' });
    expect(stale?.status).toBe(200);
    expect(stale?.body.length).toBe(whole.length);

    const budget = (await app?.get("/api/v1/budget"))?.json();
    expect(budget.day).toBe("2026-03-10");
    expect(budget.voice.uses).toBe(1);
    expect(budget.voice.spentUsd).toBeGreaterThan(0);
    expect(budget.voice.spentUsd).toBeLessThan(RESERVATION_USD);
    expect(budget.voice.reservedUsd).toBe(0);
    expect(budget.voice.remainingUsd).toBeCloseTo(0.5 - budget.voice.spentUsd, 9);
    const metrics = (await app?.get("/metrics"))?.text() ?? "";
    expect(metrics).toMatch(/repositori_budget_usd\{area="voice",kind="spent",app="repositori"\} [0-9.e-]+/);
  });

  it("answers the webhook before the reaction is done", async () => {
    const gate = signal();
    await start(
      {},
      {
        publish: async (reaction, target) => {
          await gate.promise;
          published.push({ reaction, target });
        },
      },
    );
    firstEvent();
    const res = await app?.deliver("pull_request", merged());
    // The delivery is answered while the reaction is still waiting to be shown.
    expect(res?.status).toBe(200);
    expect(published).toEqual([]);
    gate.fire();
    await voice.idle();
    expect(published.at(-1)?.reaction.audioUrl).toMatch(/^http:\/\/dash\.test\/audio\/[0-9a-f]{64}\.mp3$/);
    expect(published.at(-1)?.target).toMatchObject({ owner: OWNER, repo: REPO, prNumber: PR });
  });

  it("with a zero voice budget: nothing is synthesised and the comment says so", async () => {
    await start({ VOICE_DAILY_BUDGET_USD: "0" }, capture);
    firstEvent();
    await receive("pull_request", merged());
    await voice.idle();
    expect(engine.syntheses()).toBe(0);
    expect(published).toHaveLength(1);
    expect(published[0]?.reaction).toEqual({
      text: expect.any(String),
      named: "Codertocat",
      note: "Dash's voice is resting until tomorrow: today's voice budget is used up.",
    });
    expect((await app?.get("/api/v1/budget"))?.json().voice).toEqual({
      limitUsd: 0,
      spentUsd: 0,
      reservedUsd: 0,
      remainingUsd: 0,
      uses: 0,
    });
  });

  it("reserves a cold start and the function's whole timeout, even when the App waits less", async () => {
    // Enough for 30 s of Lambda time, not for the 10 s start-up and 30 s an abandoned call could still be billed.
    const justShort = (lambdaCostMicros(2048, LAMBDA_INIT_MS + 30_000, "ap-northeast-1") - 1) / 1_000_000;
    await start({ VOICE_DAILY_BUDGET_USD: String(justShort), VOICE_TIMEOUT_MS: "15000" }, capture);
    firstEvent();
    await receive("pull_request", merged());
    await voice.idle();
    expect(engine.syntheses()).toBe(0);
    expect(published.at(-1)?.reaction.note).toMatch(/voice budget is used up/);
  });

  it("writes the budget note in Japanese for a Japanese repo", async () => {
    await start({ VOICE_INSTALLATION_DAILY_BUDGET_USD: "0" }, capture);
    firstEvent(REPO, "locale: ja\n");
    await receive("pull_request", merged());
    await voice.idle();
    expect(engine.syntheses()).toBe(0);
    expect(published[0]?.reaction.note).toBe("今日の声の予算を使い切ったので、ダッシュの声はまた明日。");
    expect(published[0]?.reaction.text).toMatch(/[ぁ-んァ-ン一-龯]/);
  });

  it("reuses the audio of a line already spoken: no second synthesis, no cost", async () => {
    const said = "What a feast! Thank you, Codertocat!";
    const gemini = await fakeGemini();
    gemini.answer(text(said), text(said));
    await start({ GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: gemini.url }, capture);
    firstEvent("Hello-World");
    await receive("pull_request", merged());
    await voice.idle();
    const spentAfterFirst = (await app?.get("/api/v1/budget"))?.json().voice.spentUsd;
    // Probot keeps the installation token: only the second repo's config is looked up.
    mockNoConfig(OWNER, "Other-Repo");
    await receive("pull_request", merged({ id: 999_001, name: "Other-Repo" }));
    await voice.idle();

    expect(engine.syntheses()).toBe(1);
    const voiced = published.filter((p) => p.reaction.audioUrl);
    expect(voiced).toHaveLength(2);
    expect(voiced[0]?.reaction.audioUrl).toBe(voiced[1]?.reaction.audioUrl);
    expect(voiced.map((p) => p.reaction.text)).toEqual([said, said]);
    const budget = (await app?.get("/api/v1/budget"))?.json();
    expect(budget.voice.spentUsd).toBe(spentAfterFirst);
    expect(budget.voice.uses).toBe(1);
    expect(budget.gemini.uses).toBe(2);
    // Both lines came from the endpoint GEMINI_BASE_URL names, with the key GEMINI_API_KEY holds.
    expect(gemini.requests.map((r) => [r.path, r.apiKey])).toEqual([
      ["/v1beta/models/gemini-2.5-flash-lite:generateContent", "valid"],
      ["/v1beta/models/gemini-2.5-flash-lite:generateContent", "valid"],
    ]);
  });

  it("never names a contributor who opted out, to Gemini or in the comment", async () => {
    const gemini = await fakeGemini();
    const prompts: string[] = [];
    const thank: Replier = (request) => {
      const facts = JSON.parse(request.body?.contents[0]?.parts[0]?.text ?? "{}") as {
        contributorLogin: string | null;
      };
      prompts.push(JSON.stringify(facts));
      return text(`Thank you, ${facts.contributorLogin ?? "everyone"}!`);
    };
    gemini.answer(thank, thank);
    await start({ GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: gemini.url }, capture);
    const payload = merged();
    const credited = ((payload.pull_request as Payload).user as { login: string }).login;
    firstEvent();
    await receive("pull_request", payload);
    await voice.idle();
    // The credited login reaches the prompt and the line when nobody opted out.
    expect(prompts[0]).toContain(`"contributorLogin":"${credited}"`);
    expect(published.at(-1)?.reaction.text).toBe(`Thank you, ${credited}!`);

    // `/dash optout` in another repository, typed in another case.
    const other = { id: 999_002, name: "Quiet-Repo" };
    await app?.store.setOptOut(other.id, credited.toUpperCase(), true);
    mockNoConfig(OWNER, other.name);
    published = [];
    await receive("pull_request", merged(other));
    await voice.idle();
    expect(prompts[1]).toContain('"contributorLogin":null');
    expect(prompts[1]?.toLowerCase()).not.toContain(credited.toLowerCase());
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(p.reaction.text.toLowerCase()).not.toContain(credited.toLowerCase());
    // Nor anywhere else in what Gemini received for that meal.
    expect(JSON.stringify(gemini.requests[1]?.body).toLowerCase()).not.toContain(credited.toLowerCase());
    expect(gemini.requests).toHaveLength(2);
  });

  it("keeps the text and logs why when the engine is down", async () => {
    await start({ VOICEVOX_URL: await deadUrl() }, capture);
    firstEvent();
    await receive("pull_request", merged());
    await voice.idle();
    expect(published).toHaveLength(1);
    expect(published[0]?.reaction).toEqual({ text: expect.any(String), named: "Codertocat" });
    expect((await app?.get("/api/v1/budget"))?.json().voice.uses).toBe(0);
  });

  it("reacts to an opened PR in text only, and not at all with `comment: off`", async () => {
    await start({}, capture);
    firstEvent();
    const opened = dartPayload("pull_request", "opened", withInstallation);
    await receive("pull_request", opened);
    await voice.idle();
    expect(published).toHaveLength(1);
    expect(Object.keys(published[0]?.reaction ?? {})).toEqual(["text", "named"]);
    expect(engine.syntheses()).toBe(0);

    await app?.close();
    published = [];
    await start({}, capture);
    firstEvent(REPO, "comment: off\n");
    await receive("pull_request", merged());
    await voice.idle();
    expect(published).toEqual([]);
    expect(engine.syntheses()).toBe(0);
  });

  it("writes no reaction on a bot's PR, whose human review still feeds Dash", async () => {
    const gemini = await fakeGemini();
    gemini.answer(text("Thank you for the review!"));
    await start({ GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: gemini.url }, capture);
    firstEvent();
    const review = dartPayload("pull_request_review", "submitted", withInstallation);
    (review.pull_request as Payload).user = { login: "dependabot[bot]", type: "Bot" };
    await receive("pull_request_review", review);
    await voice.idle();
    expect((await app?.get(`/api/v1/repos/${OWNER}/${REPO}`))?.json()).toMatchObject({ xp: 10 });
    expect(published).toEqual([]);
    expect(gemini.requests).toHaveLength(0);

    // The same review of a person's PR gets its reaction.
    const human = dartPayload("pull_request_review", "submitted", withInstallation);
    (human.review as Payload).id = 7_000_001;
    (human.pull_request as Payload).user = { login: "octo-person", type: "User" };
    await receive("pull_request_review", human);
    await voice.idle();
    expect(published.map((p) => p.reaction.text)).toEqual(["Thank you for the review!"]);
    expect(gemini.requests).toHaveLength(1);
  });

  it("stops voicing, text only, once audio it stored cannot be read back (nothing more is paid for)", async () => {
    const files = new FsBlobStore({ root: blobDir, publicUrl: "http://dash.test" });
    // An identity that may write but not read: every read looks like a missing key.
    const writeOnly: BlobStore = replacing(files, "exists", async () => false);
    await start({}, { ...capture, blobs: writeOnly });
    firstEvent("Hello-World");
    await receive("pull_request", merged());
    await voice.idle();
    expect(engine.syntheses()).toBe(1);
    expect(app?.takeErrorLogs().map((l) => l.msg)).toEqual([expect.stringMatching(/^voice stopped until restart/)]);
    mockNoConfig(OWNER, "Other-Repo");
    await receive("pull_request", merged({ id: 999_002, name: "Other-Repo" }));
    await voice.idle();
    expect(engine.syntheses()).toBe(1);
    expect(published).toHaveLength(2);
    expect(published.every((p) => p.reaction.audioUrl === undefined)).toBe(true);
  });

  it("does not speak when the repo turns its voice off", async () => {
    await start({}, capture);
    firstEvent(REPO, "voice:\n  enabled: false\n");
    await receive("pull_request", merged());
    await voice.idle();
    expect(published).toHaveLength(1);
    expect(published[0]?.reaction.audioUrl).toBeUndefined();
    expect(engine.syntheses()).toBe(0);
  });

  it("serves only well-formed audio keys", async () => {
    await start({}, capture);
    expect((await app?.get("/audio/../../etc/passwd"))?.status).toBe(404);
    expect((await app?.get(`/audio/${"a".repeat(64)}.mp3`))?.status).toBe(404);
    expect((await app?.get("/audio/xyz.mp3"))?.json().error).toMatch(/64 hex digits/);
    expect(AUDIO_KEY.test(`audio/${"a".repeat(64)}.mp3`)).toBe(true);
  });
});
