import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text as bodyText } from "node:stream/consumers";

/** A WAV file of a 440 Hz tone: 16-bit PCM, as the VOICEVOX engine writes them. */
export function makeWav(opts: { seconds: number; sampleRate?: number; channels?: 1 | 2 }): Buffer {
  const rate = opts.sampleRate ?? 24000;
  const channels = opts.channels ?? 1;
  const frames = Math.round(opts.seconds * rate);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "latin1");
  header.write("fmt ", 12, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export interface EngineCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}

export interface FakeEngine {
  url: string;
  calls: EngineCall[];
  /** Calls the engine refused as not following its API (should stay empty). */
  violations: string[];
  /** Synthesis requests (each would cost money on a Lambda). */
  syntheses(): number;
  close(): Promise<void>;
}

const AUDIO_QUERY_FIELDS = [
  "accent_phrases",
  "speedScale",
  "pitchScale",
  "intonationScale",
  "volumeScale",
  "prePhonemeLength",
  "postPhonemeLength",
  "outputSamplingRate",
  "outputStereo",
] as const;

/**
 * A local server that follows the VOICEVOX engine's HTTP API closely enough to catch a client that
 * does not: it checks methods, query parameters and the AudioQuery body, answers FastAPI-style 422s,
 * and synthesises a real WAV (a tone whose length follows the text).
 */
export async function startFakeEngine(
  opts: {
    version?: string;
    sampleRate?: number;
    /** `/speakers` answers 500 this many times first. */
    speakersFailures?: number;
    /**
     * Paths whose requests never get a whole answer, until the engine closes: with `"silent"`, not even
     * the status line; with `"mid-body"`, a 200 and the start of the body, then nothing more.
     */
    stall?: { paths: readonly string[]; mode?: "silent" | "mid-body" };
    /** `/synthesis` answers a WAV of this many bytes (a very long text, or an engine gone wrong). */
    oversize?: number;
  } = {},
): Promise<FakeEngine> {
  let speakersFailures = opts.speakersFailures ?? 0;
  const calls: EngineCall[] = [];
  const violations: string[] = [];
  const issued = new Map<string, string>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://engine");
    const query = Object.fromEntries(url.searchParams);
    const body = await bodyText(req);
    calls.push({ method: req.method ?? "", path: url.pathname, query, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const reject = (why: string) => {
      violations.push(`${req.method} ${url.pathname}: ${why}`);
      json(422, { detail: [{ loc: ["query"], msg: why, type: "value_error" }] });
    };
    if (opts.stall?.paths.includes(url.pathname)) {
      if (opts.stall.mode === "mid-body") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"accent_phrases":[');
      }
      return;
    }
    const speaker = Number(query.speaker);
    const validSpeaker = query.speaker !== undefined && /^\d+$/.test(query.speaker) && speaker <= 100;

    if (url.pathname === "/version" && req.method === "GET") return json(200, opts.version ?? "0.24.1");
    if (url.pathname === "/speakers" && req.method === "GET") {
      if (speakersFailures > 0) {
        speakersFailures--;
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        return res.end("Internal Server Error");
      }
      return json(200, [
        {
          name: "ずんだもん",
          speaker_uuid: "z",
          styles: [
            { name: "ノーマル", id: 3 },
            { name: "あまあま", id: 1 },
          ],
        },
        { name: "テスト話者", speaker_uuid: "t", styles: [{ name: "ノーマル", id: 77 }] },
      ]);
    }
    if (url.pathname === "/audio_query") {
      if (req.method !== "POST") return json(405, { detail: "Method Not Allowed" });
      if (!query.text) return reject("text is required");
      if (!validSpeaker) return reject("speaker must be a style id");
      if (body !== "") return reject("audio_query takes no body");
      const audioQuery = {
        accent_phrases: [{ moras: [], accent: 1, pause_mora: null, is_interrogative: false }],
        speedScale: 1,
        pitchScale: 0,
        intonationScale: 1,
        volumeScale: 1,
        prePhonemeLength: 0.1,
        postPhonemeLength: 0.1,
        pauseLength: null,
        pauseLengthScale: 1,
        outputSamplingRate: opts.sampleRate ?? 24000,
        outputStereo: false,
        kana: `'${query.text}`,
      };
      issued.set(JSON.stringify(audioQuery), query.text);
      return json(200, audioQuery);
    }
    if (url.pathname === "/synthesis") {
      if (req.method !== "POST") return json(405, { detail: "Method Not Allowed" });
      if (!validSpeaker) return reject("speaker must be a style id");
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return reject("body must be JSON");
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body);
      } catch {
        return reject("body is not JSON");
      }
      const missing = AUDIO_QUERY_FIELDS.filter((f) => !(f in parsed));
      if (missing.length > 0) return reject(`AudioQuery lacks ${missing.join(", ")}`);
      const text = issued.get(JSON.stringify(parsed));
      if (text === undefined) return reject("AudioQuery was not one this engine issued (changed on the way?)");
      if (opts.oversize !== undefined) return sendLarge(res, opts.oversize);
      const wav = makeWav({ seconds: 0.3 + text.length * 0.05, sampleRate: Number(parsed.outputSamplingRate) });
      res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
      return res.end(wav);
    }
    json(404, { detail: "Not Found" });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    violations,
    syntheses: () => calls.filter((c) => c.path === "/synthesis").length,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        // Stalled requests hold their connections open: end them, or `close` would wait for them.
        server.closeAllConnections();
      }),
  };
}

/**
 * A WAV of `bytes` bytes, streamed a chunk at a time as the client reads it; stops early when the
 * client hangs up (as a client that caps the size does), so the fake never holds it all in memory.
 */
function sendLarge(res: ServerResponse, bytes: number): void {
  const header = makeWav({ seconds: 0 });
  header.writeUInt32LE(bytes - 8, 4);
  header.writeUInt32LE(bytes - header.length, 40);
  res.writeHead(200, { "content-type": "audio/wav", "content-length": bytes });
  const chunk = Buffer.alloc(1024 * 1024);
  let left = bytes - header.length;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  res.write(header);
  pump();
}

/** A loopback URL where nothing listens (an engine that is down). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}
