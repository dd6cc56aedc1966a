import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIO_KEY, audioKey } from "../../src/voice/audio-key.js";
import { pcmToMp3, wavToMp3, wavToMp3InTurns } from "../../src/voice/mp3.js";
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
