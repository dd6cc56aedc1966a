import { describe, expect, it } from "vitest";
import { saveRenderSettings } from "../../src/comments/render-settings.js";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/config/repo-config.js";
import { openStore } from "../../src/store/open-store.js";
import { depsFor } from "./helpers.js";

describe(".github/dash.yml validation", () => {
  it("has one default per field", () => {
    expect(DEFAULT_REPO_CONFIG).toEqual({
      timezone: "UTC",
      hemisphere: "north",
      locale: "en",
      comment: "always",
      foods: { push: 1, issue_opened: 1, pull_request_opened: 2, pull_request_merged: 5, review: 1 },
      daily_cap: 30,
      per_push_cap: 10,
      ignored_users: [],
      name: "Dash",
      outfit: "auto",
      background: "auto",
      voice: { enabled: true, speaker: 3 },
    });
  });

  it("reports each invalid or unknown setting with where it is, and keeps every valid one", () => {
    const { config, problems } = parseRepoConfig({
      locale: "fr",
      comment: "sometimes",
      daily_cap: 5,
      foods: { push: 3, review: -1, merge: 9 },
      voice: { speaker: "zundamon", enabled: false },
      colour: "blue",
    });
    expect(problems).toEqual([
      "`colour`: unknown setting (ignored)",
      "`foods.merge`: unknown setting (ignored)",
      '`locale`: Invalid option: expected one of "en"|"ja"',
      '`comment`: Invalid option: expected one of "always"|"merged-only"|"off"',
      "`foods.review`: Too small: expected number to be >=0",
      "`voice.speaker`: Invalid input: expected number, received string",
    ]);
    expect(config).toMatchObject({
      locale: "en",
      comment: "always",
      daily_cap: 5,
      foods: { push: 3, review: 1, pull_request_merged: 5 },
      voice: { enabled: false, speaker: 3 },
    });
  });

  it("a file that is not a mapping is one problem and all defaults", () => {
    expect(parseRepoConfig("just text")).toEqual({
      config: DEFAULT_REPO_CONFIG,
      problems: ["the file must be a YAML mapping of settings"],
    });
    expect(parseRepoConfig(null)).toEqual({ config: DEFAULT_REPO_CONFIG, problems: [] });
  });
});

describe("saveRenderSettings", () => {
  it("logs a PR's config problems once, not on every event", async () => {
    const store = await openStore("sqlite::memory:");
    const deps = depsFor(store);
    const key = { repoId: 1, prNumber: 1 };
    await deps.comments.trackPr(key, { authorLogin: "a", headRepoId: 1, headRef: "x", open: true, merged: false });
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    const broken = { ...parseRepoConfig({ timezone: "Mars/Olympus" }), feeds: true, reason: "" };
    await saveRenderSettings(deps, key, broken, log);
    await saveRenderSettings(deps, key, broken, log);
    expect(warnings).toEqual([
      [
        { pr: 1, problems: ["`timezone`: is not an IANA time zone such as UTC or Asia/Tokyo"] },
        "`.github/dash.yml` has problems: their defaults are used",
      ],
    ]);
    expect(await deps.comments.getPr(key)).toMatchObject({
      locale: "en",
      mode: "always",
      problems: ["`timezone`: is not an IANA time zone such as UTC or Asia/Tokyo"],
    });
    await store.close();
  });
});
