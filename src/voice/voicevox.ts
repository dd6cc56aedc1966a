import { type PlainResponse, plainRequest } from "./plain-http.js";

/** Why the engine could not help: not running (`unreachable`), refused the input, or answered nonsense. */
export class VoicevoxError extends Error {
  constructor(
    message: string,
    readonly kind: "unreachable" | "rejected" | "failed" | "bad-answer",
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The parts of an AudioQuery we rely on; the engine's other fields are passed back untouched. */
export interface AudioQuery {
  accent_phrases: unknown[];
  outputSamplingRate: number;
  outputStereo: boolean;
  [field: string]: unknown;
}

export interface VoicevoxSpeaker {
  name: string;
  styles: { id: number; name: string }[];
}

/** Largest WAV accepted from the engine: a 140-character line is well under a minute (~3 MB at 24 kHz). */
const MAX_WAV_BYTES = 32 * 1024 * 1024;

/**
 * Client of the VOICEVOX engine's HTTP API: `POST /audio_query?text=&speaker=` gives an AudioQuery,
 * `POST /synthesis?speaker=` with it gives a WAV, `GET /version` and `GET /speakers` describe the engine.
 */
export class VoicevoxClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  constructor(opts: { baseUrl: string; timeoutMs: number }) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = opts.timeoutMs;
  }

  async #call(
    method: "GET" | "POST",
    path: string,
    query: Record<string, string>,
    body?: string,
  ): Promise<PlainResponse> {
    const url = `${this.baseUrl}${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ""}`;
    let res: PlainResponse;
    try {
      res = await plainRequest(url, {
        method,
        headers: body === undefined ? { accept: "*/*" } : { "content-type": "application/json", accept: "*/*" },
        ...(body === undefined ? {} : { body }),
        timeoutMs: this.#timeoutMs,
        maxBytes: MAX_WAV_BYTES,
      });
    } catch (err) {
      throw new VoicevoxError(
        `VOICEVOX engine at ${this.baseUrl} is not reachable (${(err as Error).message})`,
        "unreachable",
      );
    }
    if (res.status >= 200 && res.status < 300) return res;
    const detail = res.body.toString("utf8").slice(0, 200);
    throw new VoicevoxError(
      `VOICEVOX ${method} ${path} answered ${res.status}: ${detail}`,
      res.status >= 400 && res.status < 500 ? "rejected" : "failed",
      res.status,
    );
  }

  #json(res: PlainResponse, what: string): unknown {
    try {
      return JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new VoicevoxError(`VOICEVOX ${what} did not answer JSON`, "bad-answer", res.status);
    }
  }

  /** The engine's version, e.g. "0.24.1" (part of every audio's content address). */
  async version(): Promise<string> {
    const v = this.#json(await this.#call("GET", "/version", {}), "/version");
    if (typeof v !== "string" || v.trim() === "")
      throw new VoicevoxError("VOICEVOX /version is not a string", "bad-answer");
    return v.trim();
  }

  async speakers(): Promise<VoicevoxSpeaker[]> {
    const list = this.#json(await this.#call("GET", "/speakers", {}), "/speakers");
    if (!Array.isArray(list)) throw new VoicevoxError("VOICEVOX /speakers is not a list", "bad-answer");
    return list as VoicevoxSpeaker[];
  }

  async audioQuery(text: string, speaker: number): Promise<AudioQuery> {
    const query = this.#json(
      await this.#call("POST", "/audio_query", { text, speaker: String(speaker) }),
      "/audio_query",
    ) as AudioQuery | null;
    if (!query || typeof query !== "object" || !Array.isArray(query.accent_phrases)) {
      throw new VoicevoxError("VOICEVOX /audio_query did not answer an AudioQuery", "bad-answer");
    }
    return query;
  }

  async synthesis(query: AudioQuery, speaker: number): Promise<Buffer> {
    const res = await this.#call("POST", "/synthesis", { speaker: String(speaker) }, JSON.stringify(query));
    if (res.body.subarray(0, 4).toString("latin1") !== "RIFF") {
      throw new VoicevoxError("VOICEVOX /synthesis did not answer a WAV", "bad-answer", res.status);
    }
    return res.body;
  }

  /** Text to WAV: an audio query, then its synthesis. */
  async speak(text: string, speaker: number): Promise<Buffer> {
    return this.synthesis(await this.audioQuery(text, speaker), speaker);
  }
}
