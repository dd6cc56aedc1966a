import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AUDIO_KEY, audioKey } from "../../src/voice/audio-key.js";
import { pcmToMp3, wavToMp3, wavToMp3InTurns } from "../../src/voice/mp3.js";
import { PlainHttpError, plainRequest } from "../../src/voice/plain-http.js";
import { VoicevoxClient, VoicevoxError } from "../../src/voice/voicevox.js";
import { parseWav, WavError } from "../../src/voice/wav.js";
import { deadUrl, type FakeEngine, makeWav, startFakeEngine } from "./fake-voicevox.js";
import { walkMp3 } from "./mp3-frames.js";

let engine: FakeEngine;
beforeAll(async () => {
  engine = await startFakeEngine();
});
afterAll(async () => engine.close());

describe("VOICEVOX engine client", () => {
  it("follows the engine API: audio_query, then synthesis with the same AudioQuery", async () => {
    const client = new VoicevoxClient({ baseUrl: `${engine.url}/`, timeoutMs: 5000 });
    const wav = await client.speak("ずんだもんなのだ & friends?", 3);
    expect(wav.subarray(0, 4).toString("latin1")).toBe("RIFF");
    expect(engine.violations).toEqual([]);
    const [query, synthesis] = engine.calls.slice(-2);
    expect(query).toMatchObject({
      method: "POST",
      path: "/audio_query",
      query: { text: "ずんだもんなのだ & friends?", speaker: "3" },
      body: "",
    });
    expect(synthesis).toMatchObject({ method: "POST", path: "/synthesis", query: { speaker: "3" } });
    expect(await client.version()).toBe("0.24.1");
    expect((await client.speakers())[0]?.name).toBe("ずんだもん");
  });

  it("says clearly when the engine is down", async () => {
    const client = new VoicevoxClient({ baseUrl: await deadUrl(), timeoutMs: 2000 });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoicevoxError);
    expect((err as VoicevoxError).kind).toBe("unreachable");
    expect((err as Error).message).toMatch(/VOICEVOX engine at http:\/\/127\.0\.0\.1:\d+ is not reachable/);
  });

  it("reports what the engine refused", async () => {
    const client = new VoicevoxClient({ baseUrl: engine.url, timeoutMs: 2000 });
    const err = await client.audioQuery("", 3).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "rejected", status: 422 });
    engine.violations.length = 0;
  });
});

describe("VOICEVOX engine limits", () => {
  /** The engine's own cap on a WAV (MAX_WAV_BYTES in voicevox.ts): 32 MiB. */
  const WAV_CAP = 32 * 1024 * 1024;
  // A client that waits for ever would hold the test: fail it well before the suite's 30 s.
  const SETTLES = 10_000;
  let limited: FakeEngine | null = null;
  afterEach(async () => {
    await limited?.close();
    limited = null;
  });

  /** What a promise rejected with (a resolved one fails the test). */
  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      (value) => expect.unreachable(`expected a failure, got ${String(value).slice(0, 80)}`),
      (err: unknown) => err,
    );
  }

  it(
    "gives up on an engine that never answers, with the deadline in the reason",
    async () => {
      limited = await startFakeEngine({ stall: { paths: ["/version", "/audio_query"] } });
      const client = new VoicevoxClient({ baseUrl: limited.url, timeoutMs: 200 });
      for (const call of [client.version(), client.speak("ずんだもんなのだ", 3)]) {
        const err = await failure(call);
        expect(err).toBeInstanceOf(VoicevoxError);
        expect(err).toMatchObject({ kind: "unreachable" });
        expect((err as Error).message).toMatch(/ is not reachable \(no answer within 200 ms\)$/);
      }
      // Both requests reached the engine: the client gave up on them, not on connecting.
      expect(limited.calls.map((c) => c.path)).toEqual(["/version", "/audio_query"]);
      expect(limited.syntheses()).toBe(0);
    },
    SETTLES,
  );

  it(
    "gives up on an answer that stops half way",
    async () => {
      limited = await startFakeEngine({ stall: { paths: ["/audio_query"], mode: "mid-body" } });
      const client = new VoicevoxClient({ baseUrl: limited.url, timeoutMs: 200 });
      const err = await failure(client.audioQuery("ずんだもんなのだ", 3));
      expect(err).toMatchObject({ kind: "unreachable" });
      expect((err as Error).message).toMatch(/\(no answer within 200 ms\)$/);
    },
    SETTLES,
  );

  it(
    "refuses a WAV larger than its cap, without reading the rest",
    async () => {
      limited = await startFakeEngine({ oversize: WAV_CAP + 4 * 1024 * 1024 });
      const client = new VoicevoxClient({ baseUrl: limited.url, timeoutMs: 5000 });
      const err = await failure(client.speak("ずんだもんなのだ", 3));
      expect(err).toBeInstanceOf(VoicevoxError);
      expect(err).toMatchObject({ kind: "unreachable" });
      expect((err as Error).message).toMatch(/ is not reachable \(answer larger than 33554432 bytes\)$/);
      expect(limited.syntheses()).toBe(1);
      expect(limited.violations).toEqual([]);
    },
    SETTLES,
  );

  it(
    "takes a WAV of exactly the cap",
    async () => {
      limited = await startFakeEngine({ oversize: WAV_CAP });
      const client = new VoicevoxClient({ baseUrl: limited.url, timeoutMs: 5000 });
      const wav = await client.speak("ずんだもんなのだ", 3);
      expect(wav.length).toBe(WAV_CAP);
      expect(wav.subarray(0, 4).toString("latin1")).toBe("RIFF");
    },
    SETTLES,
  );

  it(
    "names the limit it hit in the error's code (ETIMEDOUT, ETOOLARGE)",
    async () => {
      limited = await startFakeEngine({ stall: { paths: ["/version"] }, oversize: 8 * 1024 * 1024 });
      const stalled = await failure(
        plainRequest(`${limited.url}/version`, { method: "GET", timeoutMs: 100, maxBytes: 1000 }),
      );
      expect(stalled).toBeInstanceOf(PlainHttpError);
      expect(stalled).toMatchObject({ code: "ETIMEDOUT", message: "no answer within 100 ms" });

      const query = await plainRequest(`${limited.url}/audio_query?text=%E3%81%82&speaker=3`, {
        method: "POST",
        timeoutMs: 5000,
        maxBytes: 100_000,
      });
      // The cap is crossed long before the 8 MiB answer ends.
      const large = await failure(
        plainRequest(`${limited.url}/synthesis?speaker=3`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: query.body,
          timeoutMs: 5000,
          maxBytes: 1024 * 1024,
        }),
      );
      expect(large).toBeInstanceOf(PlainHttpError);
      expect(large).toMatchObject({ code: "ETOOLARGE", message: "answer larger than 1048576 bytes" });
      // A small answer that crosses the cap in its last (here only) read is refused too, never cut short.
      const short = await failure(
        plainRequest(`${limited.url}/speakers`, { method: "GET", timeoutMs: 5000, maxBytes: 10 }),
      );
      expect(short).toMatchObject({ code: "ETOOLARGE", message: "answer larger than 10 bytes" });
      expect(limited.violations).toEqual([]);
    },
    SETTLES,
  );
});

describe("WAV to MP3", () => {
  it("encodes the engine's WAV into MP3 frames that decode end to end", () => {
    const wav = makeWav({ seconds: 2 });
    const mp3 = wavToMp3(wav);
    const walk = walkMp3(mp3);
    expect(walk).toMatchObject({ sampleRate: 24000, mpegVersion: "2", channels: 1 });
    // Two seconds of audio, plus the encoder's one-frame priming and final flush.
    expect(walk.seconds).toBeGreaterThanOrEqual(2);
    expect(walk.seconds).toBeLessThan(2.2);
    // 64 kbit/s: about 8 KB per second.
    expect(mp3.length).toBeGreaterThan(14_000);
    expect(mp3.length).toBeLessThan(20_000);
  });

  it("encodes stereo 44.1 kHz too (LAME lowers the output rate to suit 64 kbit/s)", () => {
    const walk = walkMp3(wavToMp3(makeWav({ seconds: 1, sampleRate: 44100, channels: 2 })));
    expect(walk.channels).toBe(2);
    expect(walk.seconds).toBeGreaterThanOrEqual(1);
    expect(walk.seconds).toBeLessThan(1.2);
    expect(walkMp3(wavToMp3(makeWav({ seconds: 1, sampleRate: 44100 }), 128))).toMatchObject({
      sampleRate: 44100,
      mpegVersion: "1",
      channels: 1,
    });
  });

  it("encodes the same bytes while letting the event loop run between blocks (the App's main thread)", async () => {
    for (const wav of [makeWav({ seconds: 5 }), makeWav({ seconds: 2, sampleRate: 44100, channels: 2 })]) {
      let turns = 0;
      let counting = true;
      const tick = () => {
        turns++;
        if (counting) setImmediate(tick);
      };
      setImmediate(tick);
      const mp3 = await wavToMp3InTurns(wav);
      counting = false;
      expect(mp3.equals(wavToMp3(wav))).toBe(true);
      // Other work ran while it encoded: at least once per block of 9,216 samples.
      const blocks = Math.ceil(parseWav(wav).samples.length / parseWav(wav).channels / 9216);
      expect(turns).toBeGreaterThanOrEqual(blocks);
    }
  });

  it("refuses what it cannot encode, with the reason", () => {
    expect(() => pcmToMp3({ sampleRate: 23000, channels: 1, samples: new Int16Array(100) })).toThrow(/23000 Hz/);
    expect(() => parseWav(Buffer.from("not a wav at all"))).toThrow(WavError);
    const eightBit = makeWav({ seconds: 0.1 });
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/8 bits/);
  });

  it("reads the samples a WAV holds", () => {
    const pcm = parseWav(makeWav({ seconds: 0.5, sampleRate: 16000 }));
    expect(pcm).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(pcm.samples.length).toBe(8000);
  });
});

describe("audio content address", () => {
  it("is stable for the same engine, speaker and text, and different otherwise", () => {
    const base = { engineVersion: "0.24.1", speaker: 3, text: "ごちそうさま" };
    const key = audioKey(base);
    expect(key).toMatch(AUDIO_KEY);
    expect(audioKey({ ...base })).toBe(key);
    expect(audioKey({ ...base, engineVersion: "0.25.0" })).not.toBe(key);
    expect(audioKey({ ...base, speaker: 1 })).not.toBe(key);
    expect(audioKey({ ...base, text: "ごちそうさま!" })).not.toBe(key);
  });
});
