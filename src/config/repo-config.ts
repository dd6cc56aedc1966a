import { z } from "zod";
import { DEFAULT_FOOD_RULES } from "../domain/foods.js";
import { OUTFITS, SEASONS } from "../domain/outfits.js";
import { isValidTimeZone } from "../domain/time.js";

const count = z.number().int().min(0).max(100);

/**
 * Both parsers in use (js-yaml in the Action, `yaml` in Probot) follow YAML 1.2, which reads `no`, `off`,
 * `yes` and `on` as strings. Owners still write them meaning booleans (YAML 1.1 and many other tools read
 * them so), and a quoted `"false"` is meant the same way.
 */
const YAML_BOOLEANS = new Map<string, boolean>([
  ["true", true],
  ["yes", true],
  ["on", true],
  ["false", false],
  ["no", false],
  ["off", false],
]);

/** `value` as a boolean when it is one or spells one; otherwise `undefined`. */
function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  return YAML_BOOLEANS.get(value.trim().toLowerCase());
}

const FLAG_MESSAGE = "expected true or false (yes/no and on/off work too)";
const flag = z.preprocess((value) => readBoolean(value) ?? value, z.boolean({ error: FLAG_MESSAGE }));

/** YAML reads an unquoted all-digit word (a login such as `1234`, a name such as `2024`) as a number. */
function digitsAsText(value: unknown): unknown {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
}

/** GitHub logins are at most 39 characters; a quoted entry may carry stray spaces. */
const login = z.preprocess(
  digitsAsText,
  z
    .string({ error: "expected a login" })
    .trim()
    .min(1, "is empty")
    .max(39, "is longer than a GitHub login (39 characters)"),
);

const MAX_NAME = 40;

/**
 * `.github/dash.yml`: every field optional, each with one documented default (see
 * docs/configuration.md). An org-wide file in the org's `.github` repository applies too.
 */
export const repoConfigSchema = z.object({
  /** Force Dash on (`true`) or off (`false`); unset: on for Dart repositories. `false` always wins. */
  enabled: flag.optional(),
  /** IANA time zone for the daily cap and seasons. */
  timezone: z
    .string()
    .refine(isValidTimeZone, { message: "is not an IANA time zone such as UTC or Asia/Tokyo" })
    .default("UTC"),
  hemisphere: z.enum(["north", "south"]).default("north"),
  /** Language of comments and cards. */
  locale: z.enum(["en", "ja"]).default("en"),
  /** When to post the sticky PR comment. */
  comment: z.enum(["always", "merged-only", "off"]).default("always"),
  /** Foods per event. */
  foods: z
    .object({
      push: count.default(DEFAULT_FOOD_RULES.push),
      issue_opened: count.default(DEFAULT_FOOD_RULES.issueOpened),
      pull_request_opened: count.default(DEFAULT_FOOD_RULES.pullRequestOpened),
      pull_request_merged: count.default(DEFAULT_FOOD_RULES.pullRequestMerged),
      review: count.default(DEFAULT_FOOD_RULES.review),
    })
    .default({
      push: DEFAULT_FOOD_RULES.push,
      issue_opened: DEFAULT_FOOD_RULES.issueOpened,
      pull_request_opened: DEFAULT_FOOD_RULES.pullRequestOpened,
      pull_request_merged: DEFAULT_FOOD_RULES.pullRequestMerged,
      review: DEFAULT_FOOD_RULES.review,
    }),
  /** Most foods one contributor can feed per day. */
  daily_cap: z.number().int().min(0).max(1000).default(30),
  /** Most commits of one author that feed per push. */
  per_push_cap: z.number().int().min(0).max(1000).default(10),
  /** Logins that never feed (bots never feed anyway). */
  ignored_users: z
    .preprocess(
      // `ignored_users: release-bot` is a list of one; `ignored_users:` with every entry commented out is empty.
      (value) => (value === null ? [] : typeof value === "string" || typeof value === "number" ? [value] : value),
      z.array(login).max(500, "lists more than 500 logins: the first 500 are used"),
    )
    .default([]),
  /** Dash's display name (a `/dash name` command overrides it). */
  name: z
    .preprocess(
      digitsAsText,
      z
        .string()
        .trim()
        .min(1)
        // Counted in characters as `/dash name` counts them, so a name with emoji or rare kanji fits the same.
        .refine((name) => [...name].length <= MAX_NAME, { message: `is longer than ${MAX_NAME} characters` }),
    )
    .default("Dash"),
  /** `auto` wears the newest unlocked outfit. */
  outfit: z.enum(["auto", ...OUTFITS]).default("auto"),
  /** `auto` follows the season in `timezone` and `hemisphere`. */
  background: z.enum(["auto", ...SEASONS]).default("auto"),
  voice: z
    .object({
      /** Speak a reaction in merged PRs (needs the operator to enable voice). */
      enabled: flag.default(true),
      /** VOICEVOX style id (3 = ずんだもん ノーマル, 1 = あまあま); 3, the default, defers to the operator's `VOICEVOX_SPEAKER`. */
      speaker: z.number().int().min(0).max(10000).default(3),
    })
    .default({ enabled: true, speaker: 3 }),
});

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

export interface ParsedRepoConfig {
  config: RepoConfig;
  /** One line per problem, e.g. "`timezone`: is not an IANA time zone …"; empty when the file is valid. */
  problems: string[];
}

/**
 * Validates a parsed `.github/dash.yml`. An invalid field never stops Dash: it is reported and its
 * default used, while the valid fields still apply. A bad entry of a list drops only that entry.
 * `enabled` and `voice.enabled` are the exception: a value that is there but not understood reads as
 * `false`, since the owner tried to set it and switching Dash (or a paid voice) on against their wish
 * is the worse mistake.
 */
export function parseRepoConfig(raw: unknown): ParsedRepoConfig {
  if (raw == null) return { config: DEFAULT_REPO_CONFIG, problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config: DEFAULT_REPO_CONFIG, problems: ["the file must be a YAML mapping of settings"] };
  }
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const problems: string[] = [];
  const known = new Set(Object.keys(repoConfigSchema.shape));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      problems.push(`\`${key}\`: unknown setting (ignored)`);
      delete input[key];
    }
  }
  if (Object.hasOwn(input, "enabled")) {
    const enabled = readBoolean(input.enabled);
    if (enabled === undefined) problems.push(`\`enabled\`: ${FLAG_MESSAGE}; read as false until it is fixed`);
    input.enabled = enabled ?? false;
  }
  // The same for the voice, which may cost money: a switch the owner tried to set, unclear, is off.
  if (isMapping(input.voice) && Object.hasOwn(input.voice, "enabled")) {
    const enabled = readBoolean(input.voice.enabled);
    if (enabled === undefined) problems.push(`\`voice.enabled\`: ${FLAG_MESSAGE}; read as false until it is fixed`);
    input.voice = { ...input.voice, enabled: enabled ?? false };
  }
  // Whatever else goes wrong below, an `enabled` read from the file still applies.
  const fallback: RepoConfig =
    typeof input.enabled === "boolean" ? { ...DEFAULT_REPO_CONFIG, enabled: input.enabled } : DEFAULT_REPO_CONFIG;
  // Sections (`foods`, `voice`): a typo inside is reported too, and drops only that one key.
  for (const [section, keys] of Object.entries(SECTION_KEYS)) {
    const value = input[section];
    if (!isMapping(value)) continue;
    const kept = { ...value };
    for (const key of Object.keys(kept)) {
      if (!keys.has(key)) {
        problems.push(`\`${section}.${key}\`: unknown setting (ignored)`);
        delete kept[key];
      }
    }
    input[section] = kept;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = repoConfigSchema.safeParse(input);
    if (result.success) return { config: result.data, problems };
    const badEntries = new Map<string, Set<number>>();
    for (const issue of result.error.issues) {
      const [top, inner] = issue.path;
      problems.push(`\`${pathText(issue.path) || "(file)"}\`: ${issue.message}`);
      if (typeof top !== "string") return { config: fallback, problems };
      const value = input[top];
      if (Array.isArray(value) && typeof inner === "number") {
        // A bad entry of a list drops only itself; the list's other entries still apply.
        const bad = badEntries.get(top) ?? new Set<number>();
        badEntries.set(top, bad.add(inner));
      } else if (Array.isArray(value) && inner === undefined && issue.code === "too_big") {
        input[top] = value.slice(0, Number(issue.maximum));
      } else if (inner !== undefined && isMapping(value)) {
        // A bad value inside a section falls back on its own; its valid siblings still apply.
        const { [String(inner)]: _dropped, ...rest } = value;
        input[top] = rest;
      } else {
        delete input[top];
      }
    }
    for (const [top, bad] of badEntries) {
      const value = input[top];
      if (Array.isArray(value)) input[top] = value.filter((_, i) => !bad.has(i));
    }
  }
  return { config: fallback, problems };
}

/** `ignored_users[1]`, `foods.push`: where a problem is, as it would be written in the file. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i > 0 ? "." : ""}${String(part)}`))
    .join("");
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The settings each section of the file knows (read from the schema, so they never drift). */
const SECTION_KEYS: Record<string, Set<string>> = {
  foods: new Set(Object.keys(repoConfigSchema.shape.foods.unwrap().shape)),
  voice: new Set(Object.keys(repoConfigSchema.shape.voice.unwrap().shape)),
};
