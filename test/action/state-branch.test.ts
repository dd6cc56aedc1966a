import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.js";
import { type ActionDeps, runAction } from "../../src/action/run-action.js";
import { type GitApi, MAX_FILE_BYTES, StateBranch } from "../../src/action/state-branch.js";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.js";
import { emptyLedger, type Ledger, parseLedger } from "../../src/domain/ledger.js";
import { dartPayload } from "../helpers/examples.js";
import { GitHubDouble } from "./github-double.js";

type Payload = Record<string, unknown>;
let gh: GitHubDouble;
beforeEach(async () => {
  gh = await new GitHubDouble().start();
});
afterEach(async () => {
  await gh.stop();
});

const pushOf = (shas: string[]): Payload => {
  const p = dartPayload("push", undefined, (x) => (x.commits as unknown[]).length > 0);
  const template = (p.commits as Payload[])[0] as Payload;
  p.commits = shas.map((id) => ({ ...template, id }));
  return p;
};

function deps(payload: Payload, runId: string): ActionDeps {
  return {
    api: getOctokit("ghs_fake", { baseUrl: gh.url }),
    inputs: readInputs((n) => (n === "github-token" ? "ghs_fake" : "")),
    config: DEFAULT_REPO_CONFIG,
    now: () => new Date("2026-11-27T10:00:00Z"),
    run: {
      eventName: "push",
      payload,
      owner: "Codertocat",
      repo: "Hello-World",
      runId,
      serverUrl: "https://github.com",
    },
    log: { info: () => {}, notice: () => {}, warning: () => {} },
    renderCard: async (state) => ({ svg: `<svg><text>${state.xp}</text></svg>` }),
    sleep: async () => {},
  };
}

/** A ledger that has eaten `n` commits: every source is kept for good, so this is how the file grows. */
function ledgerOf(n: number): Ledger {
  const sources = Array.from({ length: n }, (_, i) => `commit:${i.toString(16).padStart(40, "0")}`);
  return { ...emptyLedger(), xp: 10 * n, foods: n, sources };
}
const fileOf = (ledger: Ledger) => `${JSON.stringify(ledger, null, 1)}\n`;
const ledgerOnBranch = () => parseLedger(gh.file("repositori", "dash.json")?.toString("utf8") ?? "null");

describe("the state branch's dash.json at any size", () => {
  it("keeps feeding once dash.json passes 1 MB, where the contents API's JSON form leaves the content empty", async () => {
    const seeded = ledgerOf(25_000);
    expect(fileOf(seeded).length).toBeGreaterThan(1024 * 1024);
    gh.commitFiles("repositori", { "dash.json": fileOf(seeded) });
    const { data } = await getOctokit("ghs_fake", { baseUrl: gh.url }).request(
      "GET /repos/{owner}/{repo}/contents/{path}",
      { owner: "Codertocat", repo: "Hello-World", path: "dash.json", ref: "repositori" },
    );
    expect(data).toMatchObject({ encoding: "none", content: "" });

    const result = await runAction(deps(pushOf(["f".repeat(40)]), "1"));
    expect(result.foods).toBe(1);
    const after = ledgerOnBranch();
    expect(after.xp).toBe(seeded.xp + 10);
    expect(after.sources).toHaveLength(25_001);
    expect(after.sources.slice(0, 25_000)).toEqual(seeded.sources);
  });

  it("writes a dash.json too large to send inline in a tree through the blob API", async () => {
    const seeded = ledgerOf(60_000);
    expect(fileOf(seeded).length).toBeGreaterThan(2 * 1024 * 1024);
    gh.commitFiles("repositori", { "dash.json": fileOf(seeded) });
    const result = await runAction(deps(pushOf(["e".repeat(40)]), "2"));
    expect(result.foods).toBe(1);
    expect(gh.requests).toContain("POST /repos/Codertocat/Hello-World/git/blobs");
    expect(ledgerOnBranch().sources).toHaveLength(60_001);
    // The card, small, still rides inline.
    expect(gh.file("repositori", "dash.svg")?.toString()).toBe(`<svg><text>${seeded.xp + 10}</text></svg>`);
  });

  it("fails at once with GitHub's reason when a rule refuses the branch update, instead of retrying", async () => {
    gh.refRule = "Repository rule violations found\n\nCannot create ref due to creations being restricted.";
    await expect(runAction(deps(pushOf(["c".repeat(40)]), "6"))).rejects.toThrow(
      /^GitHub refused to move the state branch "repositori": Repository rule violations found\. A branch protection rule or a ruleset covers it/,
    );
    expect(gh.requests.filter((r) => r.startsWith("POST") && r.endsWith("/git/refs"))).toHaveLength(1);
  });

  it("retries a ref update GitHub refuses with another 422 (a concurrent write), and lands", async () => {
    await runAction(deps(pushOf(["1".repeat(40)]), "7"));
    gh.refRefusals.push("Reference cannot be updated", "Reference update failed");
    await runAction(deps(pushOf(["2".repeat(40)]), "8"));
    expect(ledgerOnBranch().xp).toBe(20);
    expect(gh.refRefusals).toEqual([]);
  });

  it("refuses a state branch that holds files of its own but no dash.json, and leaves it as it is", async () => {
    const head = gh.commitFiles("repositori", { "README.md": "# my project\n", "lib/main.dart": "void main() {}\n" });
    await expect(runAction(deps(pushOf(["e".repeat(40)]), "4"))).rejects.toThrow(
      /^The state branch "repositori" exists and holds files, but no dash\.json: it is not Dash's/,
    );
    expect(gh.refs.get("refs/heads/repositori")).toBe(head);
  });

  it("carries on on Dash's own branch whose dash.json alone was deleted", async () => {
    gh.commitFiles("repositori", { "dash.svg": "<svg/>", "dash.png": "png" });
    await runAction(deps(pushOf(["3".repeat(40)]), "9"));
    expect(ledgerOnBranch().xp).toBe(10);
  });

  it("starts Dash on an empty branch made by hand", async () => {
    gh.commitFiles("repositori", {});
    await runAction(deps(pushOf(["f".repeat(40)]), "5"));
    expect(ledgerOnBranch().xp).toBe(10);
  });

  it("fails on a dash.json that is not a ledger, naming the file and the branch", async () => {
    gh.commitFiles("repositori", { "dash.json": '{"version": 1, "xp": 10, "sour' });
    await expect(runAction(deps(pushOf(["d".repeat(40)]), "3"))).rejects.toThrow(
      /^dash\.json on the state branch "repositori" cannot be read: .*delete the branch to start Dash over\.$/,
    );
    const head = gh.refs.get("refs/heads/repositori");
    expect(gh.commits.get(head ?? "")?.message).toBe("seed");
  });
});

/** A GitApi answering the ref and then the file with `body`, as octokit would hand it over. */
function answering(body: unknown): GitApi & { requests: { route: string; params?: Record<string, unknown> }[] } {
  const requests: { route: string; params?: Record<string, unknown> }[] = [];
  return {
    requests,
    async request(route, params) {
      requests.push({ route, params });
      if (route.startsWith("GET /repos/{owner}/{repo}/git/ref/"))
        return { status: 200, data: { object: { sha: "c1" } } };
      return { status: 200, data: body };
    },
  };
}

describe("StateBranch", () => {
  const repo = { owner: "o", repo: "r" };
  const text = fileOf(ledgerOf(3));

  it("asks for the raw file and takes the body as a string or an ArrayBuffer, as octokit hands it over", async () => {
    const asString = answering(text);
    expect((await new StateBranch(asString, repo, "repositori").read()).ledger).toEqual(ledgerOf(3));
    expect(asString.requests[1]?.params?.headers).toEqual({ accept: "application/vnd.github.raw+json" });

    const bytes = new TextEncoder().encode(text);
    const asArrayBuffer = answering(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect((await new StateBranch(asArrayBuffer, repo, "repositori").read()).ledger).toEqual(ledgerOf(3));
  });

  it("still reads the JSON form from a server that ignores the media type, and says so when it has no content", async () => {
    const small = answering({ type: "file", encoding: "base64", content: Buffer.from(text).toString("base64") });
    expect((await new StateBranch(small, repo, "repositori").read()).ledger).toEqual(ledgerOf(3));
    const large = answering({ type: "file", encoding: "none", content: "" });
    await expect(new StateBranch(large, repo, "repositori").read()).rejects.toThrow(
      'GitHub answered without the content of dash.json on the state branch "repositori".',
    );
  });

  it("refuses to write a file GitHub would not keep, before making any request", async () => {
    const api = answering({ sha: "x" });
    const files = [{ path: "dash.png", content: new Uint8Array(MAX_FILE_BYTES) }];
    await expect(new StateBranch(api, repo, "repositori").write(files, "c1", "m")).rejects.toThrow(
      /dash\.png would be 100\.0 MB, over GitHub's 100 MB limit.*"repositori" was left as it is/,
    );
    expect(api.requests).toEqual([]);
  });
});
