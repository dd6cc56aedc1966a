import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { actionCommandRunner } from "../../src/action/commands.js";
import { readInputs } from "../../src/action/inputs.js";
import { type ActionDeps, runAction } from "../../src/action/run-action.js";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.js";
import { emptyLedger, parseLedger } from "../../src/domain/ledger.js";
import { repoRefOf } from "../../src/github/repo-ref.js";
import { dartPayload } from "../helpers/examples.js";
import { GitHubDouble } from "./github-double.js";

type Payload = Record<string, unknown>;
let gh: GitHubDouble;
let replies: string[];

beforeEach(async () => {
  gh = await new GitHubDouble().start();
  replies = [];
});
afterEach(async () => {
  await gh.stop();
});

function commentBy(login: string, body: string, type = "User"): Payload {
  const p = dartPayload("issue_comment", "created");
  (p.comment as Payload).body = body;
  (p.comment as Payload).user = { login, type };
  p.sender = { login, type };
  return p;
}

function deps(eventName: string, payload: Payload, runId: string): ActionDeps {
  const api = getOctokit("ghs_fake", { baseUrl: gh.url });
  const now = () => new Date("2026-11-27T10:00:00Z");
  const repo = repoRefOf(payload);
  return {
    api,
    inputs: readInputs((n) => (n === "github-token" ? "ghs_fake" : "")),
    config: DEFAULT_REPO_CONFIG,
    now,
    run: { eventName, payload, owner: "Codertocat", repo: "Hello-World", runId, serverUrl: "https://github.com" },
    log: { info: () => {}, notice: () => {}, warning: () => {} },
    renderCard: async (state) => ({ svg: `<svg><text>${state.name}</text></svg>` }),
    runCommand: repo
      ? actionCommandRunner({
          octokit: api,
          repo,
          serverUrl: "https://github.com",
          branch: "repositori",
          problems: [],
          now,
        })
      : undefined,
    reply: async (body) => {
      replies.push(body);
    },
    sleep: async () => {},
  };
}

const ledger = () => parseLedger(gh.file("repositori", "dash.json")?.toString("utf8") ?? "null");

describe("/dash commands in the Action", () => {
  it("a writer renames Dash: the ledger and card change, one reply; a re-run replies no more", async () => {
    gh.permissions.set("codertocat", "write");
    const payload = commentBy("Codertocat", "/dash name Sparky");
    await runAction(deps("issue_comment", payload, "10"));
    expect(ledger().dashName).toBe("Sparky");
    expect(gh.file("repositori", "dash.svg")?.toString()).toContain("Sparky");
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("Sparky");
    await runAction(deps("issue_comment", payload, "10"));
    expect(replies).toHaveLength(1);
  });

  it("refuses a rename by someone without write access, politely", async () => {
    gh.permissions.set("visitor", "read");
    await runAction(deps("issue_comment", commentBy("visitor", "/dash name Evil"), "11"));
    expect(ledger().dashName).toBeNull();
    expect(replies[0]).toMatch(/write/i);
  });

  it("does not wear an outfit Dash has not unlocked", async () => {
    gh.permissions.set("codertocat", "admin");
    await runAction(deps("issue_comment", commentBy("Codertocat", "/dash wear winter"), "12"));
    expect(ledger().outfit).toBeNull();
    expect(replies[0]).toMatch(/level 5/i);
  });

  it("lets anyone opt out of the leaderboard", async () => {
    await runAction(deps("issue_comment", commentBy("someone", "/dash optout"), "13"));
    expect(ledger().contributors.someone?.optedOut).toBe(true);
    expect(replies).toHaveLength(1);
  });

  it("answers /dash badge with state-branch links and explains there is no token to rotate", async () => {
    gh.permissions.set("codertocat", "admin");
    await runAction(deps("issue_comment", commentBy("Codertocat", "/dash badge"), "14"));
    expect(replies[0]).toContain("https://github.com/Codertocat/Hello-World/blob/repositori/dash.svg?raw=true");
    await runAction(deps("issue_comment", commentBy("Codertocat", "/dash badge rotate"), "15"));
    expect(replies[1]).toMatch(/no badge token to rotate/);
  });

  it("/dash badge needs write access, as in the App", async () => {
    gh.permissions.set("visitor", "read");
    await runAction(deps("issue_comment", commentBy("visitor", "/dash badge"), "18"));
    expect(replies[0]).toMatch(/write/i);
    expect(replies[0]).not.toContain("dash.svg");
  });

  it("in a private repository, shows Dash and offers only links that work there, with no badge token", async () => {
    const privately = (p: Payload) => {
      (p.repository as Payload).private = true;
      return p;
    };
    gh.commitFiles("repositori", {
      "dash.json": JSON.stringify({ ...emptyLedger(), xp: 300, foods: 30, lastFedAt: "2026-11-26T10:00:00Z" }),
    });
    gh.permissions.set("codertocat", "write");
    await runAction(deps("issue_comment", privately(commentBy("Codertocat", "/dash")), "19"));
    expect(replies[0]).toMatch(/level 5/i);
    await runAction(deps("issue_comment", privately(commentBy("Codertocat", "/dash wear winter")), "20"));
    expect(ledger().outfit).toBe("winter");
    await runAction(deps("issue_comment", privately(commentBy("Codertocat", "/dash badge")), "21"));
    expect(replies[2]).toContain("https://github.com/Codertocat/Hello-World/blob/repositori/dash.svg?raw=true");
    expect(replies[2]).not.toContain("raw.githubusercontent.com");
    expect(replies[2]).not.toMatch(/token/i);
  });

  it("ignores bots and comments without a command", async () => {
    await runAction(deps("issue_comment", commentBy("dependabot[bot]", "/dash name Bot", "Bot"), "16"));
    await runAction(deps("issue_comment", commentBy("Codertocat", "nice work"), "17"));
    expect(replies).toEqual([]);
    expect(gh.refs.size).toBe(0);
  });
});
