import { z } from "zod";

const bool = z
  .union([z.boolean(), z.string()])
  .transform((v) => (typeof v === "boolean" ? v : ["1", "true", "yes", "on"].includes(v.trim().toLowerCase())));
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

/** `u` parsed, when it is an http:// or https:// address; null otherwise. */
function httpUrl(u: string): URL | null {
  const url = URL.canParse(u) ? new URL(u) : null;
  return url && /^https?:$/.test(url.protocol) ? url : null;
}

/**
 * Every environment variable the App reads, with its default. Read once at start (`loadEnv`), then
 * passed around as a typed object; nothing else touches `process.env`. `.env.example` documents them.
 */
const envObject = z.object({
  // GitHub App credentials (absent: the App serves its registration page and still serves badges).
  APP_ID: optionalText,
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  /** GitHub Enterprise Server API base, e.g. https://ghe.example.com/api/v3 (kept without a trailing slash). */
  GITHUB_API_URL: optionalText
    .refine((u) => u === undefined || httpUrl(u) !== null, {
      message: "must be the http(s) address of a GitHub API, e.g. https://ghe.example.com/api/v3",
    })
    .transform((u) => u?.replace(/\/+$/, "")),

  // HTTP server
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Where this App is reachable from GitHub and browsers (card and audio links); default http://localhost:PORT. */
  PUBLIC_URL: z
    .string()
    .superRefine((u, ctx) => {
      const url = httpUrl(u);
      if (!url) {
        ctx.addIssue({
          code: "custom",
          message: "must be an http:// or https:// address, e.g. https://dash.example.com",
        });
      } else if (url.search !== "" || url.hash !== "") {
        ctx.addIssue({
          code: "custom",
          message: "must not have a query or a fragment: links are made by adding paths to it",
        });
      }
    })
    .optional(),
  // Without trailing slashes, as the webhooks middleware compares paths: `/hooks/` is `/hooks`.
  WEBHOOK_PATH: z
    .string()
    .regex(/^\//, "must start with /")
    .default("/api/github/webhooks")
    .transform((p) => p.replace(/\/+$/, "") || "/"),
  /** Largest webhook body accepted, in bytes (GitHub caps payloads at 25 MB). */
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),

  // Logging
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** Unset: readable lines on a terminal, JSON (one line per event) otherwise. */
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),

  // Storage
  /** `sqlite:<path>` (default) or `postgres://…` for several replicas. */
  DATABASE_URL: z.string().default("sqlite:./data/repositori.db"),
  /**
   * Days a delivery id is kept to recognise GitHub sending the same delivery again (its redeliveries
   * go back three days); 0 keeps them for good. What each delivery fed is kept by source regardless.
   */
  DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  /**
   * Days a closed PR's comment state and tally are kept after its last change (a PR reopened later
   * starts a new tally); 0 keeps them for good. Open PRs are kept however old.
   */
  PR_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(180),
  /** `file:<dir>` (default) or `s3://bucket/prefix` for voice clips (cards are drawn in memory). */
  BLOB_URL: z.string().default("file:./data/blobs"),
  S3_REGION: z.string().default("us-east-1"),
  /** S3-compatible endpoint (MinIO, R2 …); path-style addressing is used when set. */
  S3_ENDPOINT: optionalText,
  /** Public base URL of the bucket; without it, audio links go to the App's own `/audio/` route. */
  S3_PUBLIC_URL: optionalText,

  // Caches
  /** How long a repo's language list and `.github/dash.yml` are trusted, in seconds. */
  REPO_CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600),

  // Reaction text
  GEMINI_API_KEY: optionalText,
  GEMINI_MODEL: z.string().default("gemini-2.5-flash-lite"),
  /** Another endpoint speaking Gemini's REST API (a compatible service, a local one in tests); unset: Google's. */
  GEMINI_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GEMINI_TIMEOUT_MS: z.coerce.number().int().positive().default(4000),
  GEMINI_DAILY_BUDGET_USD: z.coerce.number().min(0).default(0.1),
  GEMINI_INSTALLATION_DAILY_BUDGET_USD: z.coerce.number().min(0).default(0.02),

  // Voice
  /** `off` (default), `engine` (a VOICEVOX engine URL) or `lambda` (Function URL or function name). */
  VOICE_MODE: z.enum(["off", "engine", "lambda"]).default("off"),
  VOICEVOX_URL: z.string().url().default("http://127.0.0.1:50021"),
  VOICEVOX_SPEAKER: z.coerce.number().int().min(0).default(3),
  VOICE_LAMBDA_URL: optionalText,
  VOICE_LAMBDA_FUNCTION: optionalText,
  VOICE_LAMBDA_REGION: z.string().default("ap-northeast-1"),
  VOICE_LAMBDA_MEMORY_MB: z.coerce.number().int().min(128).max(10240).default(2048),
  VOICE_DAILY_BUDGET_USD: z.coerce.number().min(0).default(0.5),
  /** Ceiling per installation per day, so one busy installation cannot spend everyone's budget. */
  VOICE_INSTALLATION_DAILY_BUDGET_USD: z.coerce.number().min(0).default(0.1),
  /** Longest the App waits for a synthesis; defaults to VOICE_LAMBDA_TIMEOUT_MS. */
  VOICE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /**
   * The function's own timeout (30 s in the recipe). A call the App stops waiting for keeps running, and
   * is billed, until then: each synthesis reserves the longer of this and VOICE_TIMEOUT_MS, and an
   * abandoned one is booked at what it reserved.
   */
  VOICE_LAMBDA_TIMEOUT_MS: z.coerce.number().int().positive().max(900_000).default(30_000),
  /** Sent to the Lambda's Function URL in `x-dash-voice-secret`; required with VOICE_LAMBDA_URL. */
  VOICE_LAMBDA_SECRET: optionalText,
  /** Engine version inside the Lambda image (part of audio cache keys); defaults to the recipe's pin. */
  VOICEVOX_ENGINE_VERSION: optionalText,

  METRICS_ENABLED: bool.default(true),
  /** When set, `/metrics` answers only requests with `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: optionalText,
  NODE_ENV: z.string().default("development"),
});

/** Why a Function URL needs the shared secret, and what to do about it. */
export const LAMBDA_SECRET_NEEDED =
  "required when VOICE_LAMBDA_URL is set: a Function URL with auth NONE can be called by anyone, and the " +
  "function refuses HTTP calls without a secret. Set the same long random value (e.g. `openssl rand -hex 32`) " +
  "here and in the function's environment, or use VOICE_LAMBDA_FUNCTION (IAM) instead of the URL";

export const envSchema = envObject
  .superRefine((e, ctx) => {
    if (e.VOICE_LAMBDA_URL && !e.VOICE_LAMBDA_SECRET) {
      ctx.addIssue({ code: "custom", path: ["VOICE_LAMBDA_SECRET"], message: LAMBDA_SECRET_NEEDED });
    }
  })
  .transform((e) => ({
    ...e,
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    VOICE_TIMEOUT_MS: e.VOICE_TIMEOUT_MS ?? e.VOICE_LAMBDA_TIMEOUT_MS,
  }));

export type Env = z.output<typeof envSchema>;

/** Thrown when the environment is invalid; the message lists each bad variable and what it expects. */
export class EnvError extends Error {}

/** Parses the environment once; defaults to `process.env` so tests can pass their own. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // `PORT=` (an empty line in .env or a compose file) means unset, as it does to most tools: the
  // default applies, rather than PORT 0 (a random port) or an empty address being refused.
  const set = Object.fromEntries(Object.entries(source).filter(([, v]) => v === undefined || v.trim() !== ""));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}\nSee .env.example for every variable.`);
  }
  return parsed.data;
}
