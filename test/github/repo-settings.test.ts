import { describe, expect, it } from "vitest";
import { RepoSettingsCache } from "../../src/github/repo-settings.js";

function source(overrides: Partial<Parameters<RepoSettingsCache["get"]>[0]> = {}) {
  const calls = { config: 0, languages: 0 };
  return {
    calls,
    src: {
      repoId: 1,
      payloadLanguage: "Kotlin",
      loadConfig: async () => {
        calls.config++;
        return null;
      },
      listLanguages: async () => {
        calls.languages++;
        return ["Dart"];
      },
      ...overrides,
    },
  };
}

describe("RepoSettingsCache", () => {
  it("serves both lookups from cache until the TTL runs out", async () => {
    let now = 0;
    const cache = new RepoSettingsCache({ ttlMs: 1000, now: () => now });
    const { calls, src } = source();
    await cache.get(src);
    await cache.get(src);
    expect(calls).toEqual({ config: 1, languages: 1 });
    now = 1001;
    expect((await cache.get(src)).feeds).toBe(true);
    expect(calls).toEqual({ config: 2, languages: 2 });
  });

  it("answers at once only what get would answer from its cache", async () => {
    let now = 0;
    const cache = new RepoSettingsCache({ ttlMs: 1000, now: () => now });
    const { calls, src } = source();
    expect(cache.peek(src)).toBeUndefined();
    const loading = cache.get(src);
    // Asked for, not loaded yet: still nothing to answer at once.
    expect(cache.peek(src)).toBeUndefined();
    const got = await loading;
    expect(cache.peek(src)).toEqual(got);
    expect(got.reason).toBe("Dart is among the repository's languages");
    // A Dart payload needs no languages; another repo has nothing cached.
    expect(cache.peek({ repoId: 1, payloadLanguage: "Dart" })?.reason).toBe("repository language is Dart");
    expect(cache.peek({ repoId: 2, payloadLanguage: "Dart" })).toBeUndefined();
    expect(calls).toEqual({ config: 1, languages: 1 });
    cache.invalidateConfig(1);
    expect(cache.peek(src)).toBeUndefined();
    await cache.get(src);
    now = 1001;
    expect(cache.peek(src)).toBeUndefined();
  });

  it("tells each config read from GitHub, not each one served from the cache", async () => {
    const told: [number, string][] = [];
    const cache = new RepoSettingsCache({ ttlMs: 1000, onConfigLoaded: (id, config) => told.push([id, config.name]) });
    const { src } = source({ loadConfig: async () => ({ name: "Dashy" }) });
    await cache.get(src);
    await cache.get(src);
    expect(told).toEqual([[1, "Dashy"]]);
    cache.invalidateConfig(1);
    await cache.get(src);
    expect(told).toEqual([
      [1, "Dashy"],
      [1, "Dashy"],
    ]);
  });

  it("does not remember a failed lookup", async () => {
    const cache = new RepoSettingsCache({ ttlMs: 60_000 });
    let fail = true;
    const { src } = source({
      listLanguages: async () => {
        if (fail) throw Object.assign(new Error("boom"), { status: 502 });
        return ["Dart"];
      },
    });
    await expect(cache.get(src)).rejects.toThrow("boom");
    fail = false;
    expect((await cache.get(src)).feeds).toBe(true);
  });

  it("turns invalid settings into problems and keeps the valid ones", async () => {
    const cache = new RepoSettingsCache({ ttlMs: 60_000 });
    const { src } = source({ loadConfig: async () => ({ timezone: "Mars/Olympus", daily_cap: 5, colour: "red" }) });
    const settings = await cache.get(src);
    expect(settings.config.timezone).toBe("UTC");
    expect(settings.config.daily_cap).toBe(5);
    expect(settings.problems).toEqual([
      "`colour`: unknown setting (ignored)",
      "`timezone`: is not an IANA time zone such as UTC or Asia/Tokyo",
    ]);
  });

  it("reports a file the config plugin cannot parse as one readable line", async () => {
    const cache = new RepoSettingsCache({ ttlMs: 60_000 });
    const err = new Error(
      "[@probot/octokit-plugin-config] Configuration could not be parsed from https://x (invalid YAML)",
    );
    const { src } = source({
      loadConfig: async () => {
        throw err;
      },
    });
    const settings = await cache.get(src);
    expect(settings.problems).toEqual(["`.github/dash.yml` could not be read: invalid YAML"]);
    expect(settings.feeds).toBe(true);
  });
});
