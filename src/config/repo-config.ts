import { z } from "zod";
import { DEFAULT_FOOD_RULES } from "../domain/foods.js";
import { OUTFITS, SEASONS } from "../domain/outfits.js";
import { isValidTimeZone } from "../domain/time.js";

const count = z.number().int().min(0).max(100);

/**
 * `.github/dash.yml`: every field optional, each with one documented default (see README
 * "Configuration"). An org-wide file in the org's `.github` repository applies too.
 */
export const repoConfigSchema = z.object({
  /** Force Dash on (`true`) or off (`false`); unset: on for Dart repositories. `false` always wins. */
  enabled: z.boolean().optional(),
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
  ignored_users: z.array(z.string().max(39)).max(500).default([]),
  /** Dash's display name (a `/dash name` command overrides it). */
  name: z.string().trim().min(1).max(40).default("Dash"),
  /** `auto` wears the newest unlocked outfit. */
  outfit: z.enum(["auto", ...OUTFITS]).default("auto"),
  /** `auto` follows the season in `timezone` and `hemisphere`. */
  background: z.enum(["auto", ...SEASONS]).default("auto"),
  voice: z
    .object({
      /** Speak a reaction in merged PRs (needs the operator to enable voice). */
      enabled: z.boolean().default(true),
      /** VOICEVOX style id (3 = ずんだもん ノーマル, 1 = あまあま). */
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
 * default used, while the valid fields still apply.
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
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      problems.push(`\`${path.join(".") || "(file)"}\`: ${issue.message}`);
      const [top, inner] = path;
      if (top === undefined) return { config: DEFAULT_REPO_CONFIG, problems };
      const section = input[top];
      // A bad value inside a section falls back on its own; its valid siblings still apply.
      if (inner !== undefined && isMapping(section)) {
        const { [inner]: _dropped, ...rest } = section;
        input[top] = rest;
      } else {
        delete input[top];
      }
    }
  }
  return { config: DEFAULT_REPO_CONFIG, problems };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The settings each section of the file knows (read from the schema, so they never drift). */
const SECTION_KEYS: Record<string, Set<string>> = {
  foods: new Set(Object.keys(repoConfigSchema.shape.foods.unwrap().shape)),
  voice: new Set(Object.keys(repoConfigSchema.shape.voice.unwrap().shape)),
};
