import jsYaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseRepoConfigText } from "../../src/action/repo-config-file.js";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/config/repo-config.js";
import { RepoSettingsCache } from "../../src/github/repo-settings.js";

// The Action reads the file with js-yaml, the App (Probot's config plugin) with `yaml`: both must agree.
const parsers = [
  ["js-yaml (Action)", (text: string) => jsYaml.load(text)],
  ["yaml (App)", (text: string) => parseYaml(text)],
] as const;

const readWith = (load: (text: string) => unknown, text: string) => parseRepoConfig(load(text));

/** The App's view of a Dart repository with this `.github/dash.yml`. */
async function appSettings(text: string) {
  const cache = new RepoSettingsCache({ ttlMs: 60_000 });
  return cache.get({
    repoId: 1,
    payloadLanguage: "Dart",
    loadConfig: async () => parseYaml(text),
    listLanguages: async () => ["Dart"],
  });
}

describe.each(parsers)("booleans as YAML 1.1 spells them, read with %s", (_name, load) => {
  it.each(["no", "No", "NO", "off", "Off", "false", '"false"', "'FALSE'", '"no"'])(
    "`enabled: %s` turns Dash off without a problem",
    (value) => {
      expect(readWith(load, `enabled: ${value}\n`)).toEqual({
        config: { ...DEFAULT_REPO_CONFIG, enabled: false },
        problems: [],
      });
    },
  );

  it.each(["yes", "Yes", "on", "ON", "true", '"true"', '"on"'])("`enabled: %s` turns Dash on", (value) => {
    expect(readWith(load, `enabled: ${value}\n`)).toEqual({
      config: { ...DEFAULT_REPO_CONFIG, enabled: true },
      problems: [],
    });
  });

  it("reads `voice.enabled` the same way", () => {
    expect(readWith(load, "voice:\n  enabled: off\n  speaker: 1\n")).toEqual({
      config: { ...DEFAULT_REPO_CONFIG, voice: { enabled: false, speaker: 1 } },
      problems: [],
    });
    expect(readWith(load, "voice: { enabled: Yes }\n").config.voice).toEqual({ enabled: true, speaker: 3 });
  });
});

describe("`enabled` with a value that is not understood", () => {
  it.each([
    ["nope", "a word"],
    ["0", "a number"],
    ["[false]", "a list"],
    ["", "nothing"],
  ])("`enabled: %s` (%s) reads as off, and says so", (value) => {
    const { config, problems } = readWith(jsYaml.load, `enabled: ${value}\n`);
    expect(config).toEqual({ ...DEFAULT_REPO_CONFIG, enabled: false });
    expect(problems).toEqual([
      "`enabled`: expected true or false (yes/no and on/off work too); read as false until it is fixed",
    ]);
  });

  it("stays off whatever else in the file is wrong, and the valid settings still apply", () => {
    const { config, problems } = readWith(jsYaml.load, "enabled: disabled\nlocale: fr\ndaily_cap: 5\n");
    expect(config).toMatchObject({ enabled: false, locale: "en", daily_cap: 5 });
    expect(problems).toHaveLength(2);
  });

  it("a `voice.enabled` that is not understood is reported and reads as off (a voice may cost money)", () => {
    const { config, problems } = readWith(jsYaml.load, "voice: { enabled: maybe, speaker: 1 }\n");
    expect(config.voice).toEqual({ enabled: false, speaker: 1 });
    expect(problems).toEqual([
      "`voice.enabled`: expected true or false (yes/no and on/off work too); read as false until it is fixed",
    ]);
  });

  it("a file that is not YAML still reports the problem and uses the defaults", () => {
    const { config, problems } = parseRepoConfigText("enabled: [no\n");
    expect(config).toEqual(DEFAULT_REPO_CONFIG);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^`\.github\/dash\.yml` could not be read: /);
  });
});

describe("the App in a Dart repository", () => {
  it.each(["enabled: no", "enabled: off", 'enabled: "false"', "enabled: nope"])("`%s` keeps Dash off", async (line) => {
    const settings = await appSettings(`${line}\n`);
    expect(settings.feeds).toBe(false);
    expect(settings.config.enabled).toBe(false);
  });

  it("`enabled: yes` in a repository of another language turns Dash on", async () => {
    const cache = new RepoSettingsCache({ ttlMs: 60_000 });
    const settings = await cache.get({
      repoId: 2,
      payloadLanguage: "Kotlin",
      loadConfig: async () => parseYaml("enabled: yes\n"),
      listLanguages: async () => [],
    });
    expect(settings.feeds).toBe(true);
  });
});

describe.each(parsers)("`ignored_users`, read with %s", (_name, load) => {
  it("keeps an all-digit login, which YAML reads as a number", () => {
    expect(readWith(load, "ignored_users: [release-bot, 1234]\n")).toEqual({
      config: { ...DEFAULT_REPO_CONFIG, ignored_users: ["release-bot", "1234"] },
      problems: [],
    });
  });

  it("drops only the bad entries, reporting each", () => {
    const long = "x".repeat(40);
    const { config, problems } = readWith(
      load,
      `ignored_users:\n  - release-bot\n  - { login: ci }\n  - ${long}\n  - ""\n  - 42\n  - 1.5\n  - ci-robot\n`,
    );
    expect(config.ignored_users).toEqual(["release-bot", "42", "ci-robot"]);
    expect(problems).toEqual([
      "`ignored_users[1]`: expected a login",
      "`ignored_users[2]`: is longer than a GitHub login (39 characters)",
      "`ignored_users[3]`: is empty",
      "`ignored_users[5]`: expected a login",
    ]);
  });

  it("reads one login written without a list, and an empty list written as nothing", () => {
    expect(readWith(load, "ignored_users: release-bot\n").config.ignored_users).toEqual(["release-bot"]);
    expect(readWith(load, "ignored_users: 1234\n").config.ignored_users).toEqual(["1234"]);
    expect(readWith(load, "ignored_users:\n# - release-bot\n")).toEqual({ config: DEFAULT_REPO_CONFIG, problems: [] });
  });

  it("keeps the first 500 logins of a longer list", () => {
    const logins = Array.from({ length: 502 }, (_, i) => `user-${i}`);
    const { config, problems } = readWith(load, `ignored_users: [${logins.join(", ")}]\n`);
    expect(config.ignored_users).toEqual(logins.slice(0, 500));
    expect(problems).toEqual(["`ignored_users`: lists more than 500 logins: the first 500 are used"]);
  });

  it("trims a quoted login", () => {
    expect(readWith(load, 'ignored_users: [" release-bot "]\n').config.ignored_users).toEqual(["release-bot"]);
  });
});

describe("`name`", () => {
  it("keeps an all-digit name, which YAML reads as a number", () => {
    expect(readWith(jsYaml.load, "name: 2024\n")).toEqual({
      config: { ...DEFAULT_REPO_CONFIG, name: "2024" },
      problems: [],
    });
  });

  it("counts characters as `/dash name` does, not UTF-16 units", () => {
    const forty = "🐦".repeat(40);
    expect(parseRepoConfig({ name: forty })).toEqual({ config: { ...DEFAULT_REPO_CONFIG, name: forty }, problems: [] });
    expect(parseRepoConfig({ name: `${forty}!` }).problems).toEqual(["`name`: is longer than 40 characters"]);
  });
});

describe("sections", () => {
  it("still drops a single bad key inside `foods`, keeping its siblings", () => {
    const { config, problems } = parseRepoConfig({ foods: { push: 2, review: -1 } });
    expect(config.foods).toMatchObject({ push: 2, review: 1 });
    expect(problems).toEqual(["`foods.review`: Too small: expected number to be >=0"]);
  });
});
