import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text as bodyText } from "node:stream/consumers";
import nock from "nock";

/** One `generateContent` request as the fake received it; the API key's value is never kept. */
export interface GeminiRequestRecord {
  method: string;
  /** e.g. `/v1beta/models/gemini-2.5-flash-lite:generateContent` (a `key` query parameter removed). */
  path: string;
  /** The model named in the path, `null` when the path is not a `generateContent` one. */
  model: string | null;
  /** How the request presented the API key. */
  apiKey: "valid" | "invalid" | "missing";
  /** The headers, with the value of `x-goog-api-key` replaced. */
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed (`undefined` when it is not JSON). */
  body: GenerateContentBody | undefined;
  /** The client gave up (closed the connection) before an answer was sent. */
  aborted: boolean;
}

export interface Part {
  text?: string;
  thought?: boolean;
}
export interface Content {
  role?: string;
  parts: Part[];
}
/** The REST request body, as far as the App uses it. */
export interface GenerateContentBody {
  contents: Content[];
  systemInstruction?: Content;
  generationConfig?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Usage {
  promptTokenCount: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
}

/** How the fake answers one request. */
export type FakeReply =
  /** A candidate: `thoughts` become thought parts before the text (a thinking model's answer). */
  | { kind: "text"; text: string; thoughts?: string[]; finishReason?: string; usage?: Usage }
  /** The prompt was blocked: no candidate, only `promptFeedback.blockReason`. */
  | { kind: "blocked"; reason: string; usage?: Usage }
  /** The candidate was stopped (`SAFETY`, `RECITATION` …), with whatever text came before the stop. */
  | { kind: "stopped"; finishReason: string; text?: string; usage?: Usage }
  /** A candidate without parts: every output token went on thinking (`MAX_TOKENS`). */
  | { kind: "empty"; usage?: Usage }
  /** Google's error document with this HTTP status. */
  | { kind: "error"; status: number; message?: string }
  /** No answer at all until the client gives up or the fake closes. */
  | { kind: "stall" }
  /** Any JSON document, for shapes the other kinds do not cover. */
  | { kind: "raw"; status: number; body: unknown };

export type Replier = FakeReply | ((req: GeminiRequestRecord) => FakeReply);

export const text = (value: string, more: Omit<Extract<FakeReply, { kind: "text" }>, "kind" | "text"> = {}) =>
  ({ kind: "text", text: value, ...more }) as const satisfies FakeReply;
export const blocked = (reason = "SAFETY", usage?: Usage) =>
  ({ kind: "blocked", reason, ...(usage ? { usage } : {}) }) as const satisfies FakeReply;
export const stopped = (finishReason: string, partial?: string) =>
  ({ kind: "stopped", finishReason, ...(partial === undefined ? {} : { text: partial }) }) as const satisfies FakeReply;
export const empty = () => ({ kind: "empty" }) as const satisfies FakeReply;
export const httpError = (status: number, message?: string) =>
  ({ kind: "error", status, ...(message === undefined ? {} : { message }) }) as const satisfies FakeReply;
export const stall = () => ({ kind: "stall" }) as const satisfies FakeReply;

export interface FakeGemini {
  /** The base URL to give the SDK (`httpOptions.baseUrl`, `GEMINI_BASE_URL`). */
  url: string;
  /** Every request, in order of arrival. */
  requests: GeminiRequestRecord[];
  /** Requests that did not follow the REST API (should stay empty). */
  violations: string[];
  /** Answers the next requests with these, one each, before falling back on `always`. */
  answer(...replies: Replier[]): void;
  /** Resolves once `count` requests have been given up by their client. */
  aborted(count?: number): Promise<void>;
  close(): Promise<void>;
}

/** google.rpc.Code names for the HTTP statuses the Gemini API answers with. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** Fields of GenerateContentRequest; the API refuses any other name. */
const REQUEST_FIELDS = new Set([
  "contents",
  "systemInstruction",
  "generationConfig",
  "safetySettings",
  "tools",
  "toolConfig",
  "cachedContent",
  "labels",
  "serviceTier",
]);
/** Fields of GenerationConfig. */
const GENERATION_FIELDS = new Set([
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseModalities",
  "candidateCount",
  "maxOutputTokens",
  "temperature",
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "speechConfig",
  "thinkingConfig",
  "imageConfig",
  "mediaResolution",
  "audioTranscriptionConfig",
]);

const GENERATE = /^\/v1beta\/models\/([^/:]+):generateContent$/;

function googleError(res: ServerResponse, status: number, message: string, details?: unknown[]): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(
    JSON.stringify({
      error: { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN", ...(details ? { details } : {}) },
    }),
  );
}

function usageMetadata(u: Usage | undefined, fallback: Usage): Record<string, unknown> {
  const usage = u ?? fallback;
  const prompt = usage.promptTokenCount;
  const out = usage.candidatesTokenCount ?? 0;
  const thoughts = usage.thoughtsTokenCount ?? 0;
  return {
    promptTokenCount: prompt,
    ...(usage.candidatesTokenCount === undefined ? {} : { candidatesTokenCount: out }),
    totalTokenCount: prompt + out + thoughts,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  };
}

/** The 200 answer for a reply, shaped as the REST API writes it. */
function answerBody(reply: Exclude<FakeReply, { kind: "error" | "stall" | "raw" }>, model: string): unknown {
  const common = { modelVersion: model, responseId: randomUUID().replaceAll("-", "").slice(0, 22) };
  switch (reply.kind) {
    case "text":
      return {
        candidates: [
          {
            content: {
              role: "model",
              parts: [...(reply.thoughts ?? []).map((t) => ({ text: t, thought: true })), { text: reply.text }],
            },
            finishReason: reply.finishReason ?? "STOP",
            index: 0,
          },
        ],
        usageMetadata: usageMetadata(reply.usage, { promptTokenCount: 300, candidatesTokenCount: 12 }),
        ...common,
      };
    case "blocked":
      return {
        promptFeedback: {
          blockReason: reply.reason,
          safetyRatings: [{ category: "HARM_CATEGORY_HARASSMENT", probability: "HIGH" }],
        },
        usageMetadata: usageMetadata(reply.usage, { promptTokenCount: 300 }),
        ...common,
      };
    case "stopped":
      return {
        candidates: [
          {
            ...(reply.text === undefined ? {} : { content: { role: "model", parts: [{ text: reply.text }] } }),
            finishReason: reply.finishReason,
            index: 0,
            safetyRatings: [{ category: "HARM_CATEGORY_HARASSMENT", probability: "HIGH", blocked: true }],
          },
        ],
        usageMetadata: usageMetadata(reply.usage, { promptTokenCount: 300, candidatesTokenCount: 3 }),
        ...common,
      };
    case "empty":
      return {
        candidates: [{ content: { role: "model" }, finishReason: "MAX_TOKENS", index: 0 }],
        usageMetadata: usageMetadata(reply.usage, { promptTokenCount: 300, thoughtsTokenCount: 80 }),
        ...common,
      };
  }
}

/** What is wrong with a body by the API's rules, as the API words it (`undefined`: nothing). */
function invalidBody(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "Invalid JSON payload received.";
  const b = body as Record<string, unknown>;
  for (const name of Object.keys(b)) {
    if (!REQUEST_FIELDS.has(name)) return `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
  }
  const config = b.generationConfig;
  if (config !== undefined) {
    if (typeof config !== "object" || config === null) return "Invalid value at 'generation_config'";
    for (const name of Object.keys(config)) {
      if (!GENERATION_FIELDS.has(name)) {
        return `Invalid JSON payload received. Unknown name "${name}" at 'generation_config': Cannot find field.`;
      }
    }
  }
  const contents = b.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return "* GenerateContentRequest.contents: contents is not specified";
  for (const content of [...contents, ...(b.systemInstruction === undefined ? [] : [b.systemInstruction])]) {
    const c = content as Partial<Content> | null;
    if (!c || !Array.isArray(c.parts) || c.parts.length === 0) {
      return "* GenerateContentRequest.contents.parts: contents.parts must not be empty.";
    }
    if (c.role !== undefined && c.role !== "user" && c.role !== "model") {
      return "Please use a valid role: user, model.";
    }
  }
  return undefined;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
let nativeFetch: typeof fetch | undefined;
let routed = 0;
let nockFetch: typeof fetch | undefined;

/**
 * Lets global fetch (which `@google/genai` calls) reach loopback servers with a request body.
 * nock's fetch interceptor moves the body of a request it passes through into a copy, so such a POST
 * fails with "TypeError: unusable" before it leaves. Loopback requests go to Node's own fetch instead
 * (taken out from under nock by switching it off and on again); nock's undici dispatcher still stands
 * behind that fetch, so any other host stays blocked, and every other request still meets nock's mocks.
 * Returns the undo.
 */
function routeLoopbackFetch(): () => void {
  if (nativeFetch === undefined) {
    nock.restore();
    nativeFetch = globalThis.fetch;
    nock.activate();
  }
  if (routed++ === 0) {
    const native = nativeFetch;
    const mocked = globalThis.fetch;
    nockFetch = mocked;
    globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      return LOOPBACK.has(url.hostname) ? native(input, init) : mocked(input, init);
    };
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--routed === 0 && nockFetch !== undefined) globalThis.fetch = nockFetch;
  };
}

/**
 * A local server speaking the Gemini API's REST `generateContent` as `@google/genai` calls it:
 * `POST /v1beta/models/{model}:generateContent` with the key in `x-goog-api-key` (or `?key=`), a JSON
 * GenerateContentRequest in, a GenerateContentResponse or Google's error document out. It refuses
 * what the real API refuses (no key, a wrong key, unknown fields, no contents) so that a client that
 * drifts from the protocol fails here too. While it runs, global fetch reaches it (see `routeLoopbackFetch`).
 */
export async function startFakeGemini(opts: { apiKey: string; always?: Replier }): Promise<FakeGemini> {
  const requests: GeminiRequestRecord[] = [];
  const violations: string[] = [];
  const queue: Replier[] = [];
  const waiters: { count: number; done: () => void }[] = [];
  let abortedCount = 0;
  let closing = false;
  const noteAbort = () => {
    abortedCount++;
    for (const w of waiters.filter((w) => abortedCount >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://gemini");
    const queryKey = url.searchParams.get("key");
    url.searchParams.delete("key");
    const headerKey = req.headers["x-goog-api-key"];
    const presented = typeof headerKey === "string" && headerKey !== "" ? headerKey : queryKey || undefined;
    const headers = { ...req.headers };
    if (headers["x-goog-api-key"] !== undefined) headers["x-goog-api-key"] = "(redacted)";
    const raw = await bodyText(req);
    let body: GenerateContentBody | undefined;
    try {
      body = JSON.parse(raw) as GenerateContentBody;
    } catch {
      body = undefined;
    }
    const model = GENERATE.exec(url.pathname)?.[1] ?? null;
    const record: GeminiRequestRecord = {
      method: req.method ?? "",
      path: `${url.pathname}${url.search}`,
      model,
      apiKey: presented === undefined ? "missing" : presented === opts.apiKey ? "valid" : "invalid",
      headers,
      body,
      aborted: false,
    };
    requests.push(record);
    res.on("close", () => {
      if (!res.writableFinished && !closing) {
        record.aborted = true;
        noteAbort();
      }
    });

    if (record.apiKey === "missing") {
      violations.push(`${req.method} ${url.pathname}: no API key`);
      return googleError(
        res,
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (record.apiKey === "invalid") {
      violations.push(`${req.method} ${url.pathname}: wrong API key`);
      return googleError(res, 400, "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ]);
    }
    if (model === null || req.method !== "POST") {
      violations.push(`${req.method} ${url.pathname}: not a generateContent call`);
      return googleError(res, 404, `Method not found: ${req.method} ${url.pathname}`);
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      violations.push(`${url.pathname}: body is not declared JSON`);
      return googleError(res, 400, "Invalid JSON payload received.");
    }
    const invalid = invalidBody(body);
    if (invalid !== undefined) {
      violations.push(`${url.pathname}: ${invalid}`);
      return googleError(res, 400, invalid);
    }

    const next = queue.shift() ?? opts.always;
    if (next === undefined) {
      violations.push(`${url.pathname}: a request no test expected`);
      return googleError(res, 500, "The fake Gemini had no answer queued for this request.");
    }
    const reply = typeof next === "function" ? next(record) : next;
    switch (reply.kind) {
      case "stall":
        return;
      case "error":
        return googleError(
          res,
          reply.status,
          reply.message ??
            (reply.status === 429
              ? "You exceeded your current quota, please check your plan and billing details."
              : "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
        );
      case "raw":
        res.writeHead(reply.status, { "content-type": "application/json; charset=UTF-8" });
        return res.end(JSON.stringify(reply.body));
      default:
        res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
        res.end(JSON.stringify(answerBody(reply, model)));
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const unroute = routeLoopbackFetch();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    violations,
    answer: (...replies) => void queue.push(...replies),
    aborted: (count = 1) =>
      abortedCount >= count ? Promise.resolve() : new Promise<void>((done) => waiters.push({ count, done })),
    close: () =>
      new Promise<void>((done) => {
        unroute();
        closing = true;
        server.close(() => done());
        // Stalled requests hold their connections open: end them, or `close` would wait for them.
        server.closeAllConnections();
      }),
  };
}
