import { describe, expect, it } from "vitest";
import { DEFAULT_FOOD_RULES } from "../../src/domain/foods.js";
import {
  type FeedingRules,
  issueOpenedFeedings,
  MAX_PUSH_COMMITS,
  pullRequestMergedFeedings,
  pullRequestOpenedFeedings,
  pushFeedings,
  reviewFeedings,
} from "../../src/github/feedings.js";

const rules: FeedingRules = { foods: DEFAULT_FOOD_RULES, perPushCap: 10, ignoredUsers: [] };
const commit = (sha: string, username: string | undefined, extra: Record<string, unknown> = {}) => ({
  id: sha,
  distinct: true,
  message: "msg",
  author: { name: "N", email: "n@example.com", ...(username ? { username } : {}) },
  ...extra,
});

describe("push", () => {
  it("credits a login with half of a surrogate pair as U+FFFD, as both stores would keep it", () => {
    const plan = pushFeedings({ commits: [commit("c3", "dev\ud800"), commit("d4", "dev\ud83d\ude00")] }, rules);
    expect(plan.feedings.map((f) => f.login)).toEqual(["dev\ufffd", "dev\ud83d\ude00"]);
  });

  it("gives one curry per distinct commit to its author, keyed by SHA", () => {
    const plan = pushFeedings({ commits: [commit("a1", "alice"), commit("b2", "bob")] }, rules);
    expect(plan.feedings).toEqual([
      { login: "alice", food: "curry", count: 1, sourceKey: "commit:a1" },
      { login: "bob", food: "curry", count: 1, sourceKey: "commit:b2" },
    ]);
  });

  it("reads no further than the 2,048 commits GitHub lists at most", () => {
    const commits = Array.from({ length: 100_000 }, (_, i) => commit(`sha${i}`, `author${i}`));
    const plan = pushFeedings({ commits }, rules);
    expect(plan.feedings).toHaveLength(MAX_PUSH_COMMITS);
    expect(plan.feedings.at(-1)?.sourceKey).toBe(`commit:sha${MAX_PUSH_COMMITS - 1}`);
    expect(plan.skipped).toEqual([`commits after the first ${MAX_PUSH_COMMITS} (GitHub lists no more)`]);
  });

  it("skips non-distinct, duplicate, bot and unlinked commits", () => {
    const plan = pushFeedings(
      {
        commits: [
          commit("a1", "alice"),
          commit("a1", "alice"),
          commit("c3", "alice", { distinct: false }),
          commit("d4", "dependabot[bot]"),
          commit("e5", undefined),
        ],
      },
      rules,
    );
    expect(plan.feedings.map((f) => f.sourceKey)).toEqual(["commit:a1"]);
    expect(plan.skipped.join("\n")).toMatch(/bot/);
    expect(plan.skipped.join("\n")).toMatch(/no GitHub account/);
  });

  it("caps each author at 10 commits per push", () => {
    const commits = Array.from({ length: 14 }, (_, i) => commit(`s${i}`, "alice"));
    commits.push(commit("bob1", "bob"));
    const plan = pushFeedings({ commits }, rules);
    expect(plan.feedings.filter((f) => f.login === "alice")).toHaveLength(10);
    expect(plan.feedings.filter((f) => f.login === "bob")).toHaveLength(1);
  });

  it("honours ignored_users case-insensitively", () => {
    const plan = pushFeedings({ commits: [commit("a1", "Alice")] }, { ...rules, ignoredUsers: ["alice"] });
    expect(plan.feedings).toEqual([]);
  });

  it("survives payloads without commits or with junk entries", () => {
    expect(pushFeedings({}, rules).feedings).toEqual([]);
    expect(pushFeedings({ commits: "nope" }, rules).feedings).toEqual([]);
    expect(pushFeedings({ commits: [null, 5, { id: 7 }] }, rules).feedings).toEqual([]);
  });
});

describe("issues and pull requests", () => {
  const human = { login: "alice", type: "User" };
  const bot = { login: "renovate[bot]", type: "Bot" };

  it("issues.opened: one ramen", () => {
    expect(issueOpenedFeedings({ issue: { id: 9, user: human } }, rules).feedings).toEqual([
      { login: "alice", food: "ramen", count: 1, sourceKey: "issue:9" },
    ]);
  });

  it("pull_request.opened: two mapo tofu", () => {
    expect(pullRequestOpenedFeedings({ pull_request: { id: 5, user: human } }, rules).feedings).toEqual([
      { login: "alice", food: "mapo_tofu", count: 2, sourceKey: "pr-opened:5" },
    ]);
  });

  it("merged pull request: the feast of five; closed unmerged: nothing", () => {
    expect(pullRequestMergedFeedings({ pull_request: { id: 5, user: human, merged: true } }, rules).feedings).toEqual([
      { login: "alice", food: "feast", count: 5, sourceKey: "pr-merged:5" },
    ]);
    expect(pullRequestMergedFeedings({ pull_request: { id: 5, user: human, merged: false } }, rules).feedings).toEqual(
      [],
    );
  });

  it("review: one tteokbokki, not for reviewing your own PR", () => {
    const pr = { id: 5, user: human };
    expect(reviewFeedings({ review: { id: 77, user: { login: "bob" } }, pull_request: pr }, rules).feedings).toEqual([
      { login: "bob", food: "tteokbokki", count: 1, sourceKey: "review:77" },
    ]);
    expect(reviewFeedings({ review: { id: 78, user: { login: "ALICE" } }, pull_request: pr }, rules).feedings).toEqual(
      [],
    );
  });

  it("bots never feed, and missing users are skipped without throwing", () => {
    expect(issueOpenedFeedings({ issue: { id: 1, user: bot } }, rules).feedings).toEqual([]);
    expect(issueOpenedFeedings({ issue: { id: 1, user: { login: "x", type: "Bot" } } }, rules).feedings).toEqual([]);
    expect(pullRequestOpenedFeedings({ pull_request: { id: 2 } }, rules).feedings).toEqual([]);
    expect(reviewFeedings({}, rules).feedings).toEqual([]);
  });

  it("uses food counts from the config, and 0 feeds nothing", () => {
    const custom = { ...rules, foods: { ...DEFAULT_FOOD_RULES, issueOpened: 3, pullRequestOpened: 0 } };
    expect(issueOpenedFeedings({ issue: { id: 9, user: human } }, custom).feedings[0]?.count).toBe(3);
    expect(pullRequestOpenedFeedings({ pull_request: { id: 5, user: human } }, custom).feedings).toEqual([]);
  });
});
