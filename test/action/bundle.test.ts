import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyLedger, parseLedger } from "../../src/domain/ledger.js";
import { CARD_HEIGHT, CARD_WIDTH } from "../../src/render/card.js";
import { PNG_SCALE } from "../../src/render/png.js";
import { dartPayload } from "../helpers/examples.js";
import { GitHubDouble } from "./github-double.js";

// These tests run the committed bundle exactly as a runner would: `node action/dist/index.mjs` with
// the runner's environment, a real recorded event payload and a local GitHub API.
const BUNDLE = join(process.cwd(), "action/dist/index.mjs");
const LOOPBACK_ONLY = new URL("../helpers/loopback-only.mjs", import.meta.url).href;
type Payload = Record<string, unknown>;

let gh: GitHubDouble;
let dir: string;
beforeEach(async () => {
  gh = await new GitHubDouble().start();
  dir = mkdtempSync(join(tmpdir(), "repositori-action-"));
});
afterEach(async () => {
  await gh.stop();
});

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

function runBundle(event: string, payload: Payload, runId: string, inputs: Record<string, string> = {}): Promise<Run> {
  const tag = `${runId}-${Math.random().toString(36).slice(2)}`;
  const eventPath = join(dir, `event-${tag}.json`);
  const outputPath = join(dir, `output-${tag}`);
  const summaryPath = join(dir, `summary-${tag}`);
  writeFileSync(eventPath, JSON.stringify(payload));
  writeFileSync(outputPath, "");
  writeFileSync(summaryPath, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: event,
    GITHUB_REPOSITORY: "Codertocat/Hello-World",
    GITHUB_RUN_ID: runId,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    "INPUT_GITHUB-TOKEN": "ghs_fake",
    "INPUT_STATE-BRANCH": "repositori",
    INPUT_COMMENT: "true",
    INPUT_FORMATS: "svg,png",
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return new Promise((resolve) => {
    // As a runner runs it, kept off the network by the same guard as the App's test processes.
    execFile(process.execPath, ["--import", LOOPBACK_ONLY, BUNDLE], { env }, (err, stdout) => {
      const outputs: Record<string, string> = {};
      const text = readFileSync(outputPath, "utf8");
      for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1] ?? ""] = m[3] ?? "";
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        stdout,
        outputs,
        summary: readFileSync(summaryPath, "utf8"),
      });
    });
  });
}

const pushOf = (shas: string[]): Payload => {
  const p = dartPayload("push", undefined, (x) => (x.commits as unknown[]).length > 0);
  const template = (p.commits as Payload[])[0] as Payload;
  p.commits = shas.map((id) => ({ ...template, id }));
  return p;
};
const ledger = () => parseLedger(gh.file("repositori", "dash.json")?.toString("utf8") ?? "null");
/** `.github/dash.yml` on the repository's default branch (`master` in the recorded payloads). */
const dashYml = (text: string) => gh.commitFiles("master", { ".github/dash.yml": text });
/** `.github/dash.yml` in the workspace, as `actions/checkout` leaves a pull request's merge commit. */
const checkedOutDashYml = (text: string) => {
  mkdirSync(join(dir, ".github"), { recursive: true });
  writeFileSync(join(dir, ".github", "dash.yml"), text);
};
// octokit escapes the slash in `{path}`; GitHub reads it the same.
const CONFIG_READ = "GET /repos/Codertocat/Hello-World/contents/.github%2Fdash.yml";

describe("the bundled Action", () => {
  it("first run creates the state branch with dash.json, dash.svg and a real PNG, and sets outputs", async () => {
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "100");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ level: "1", xp: "10", foods: "1" });
    expect(readFileSync(run.outputs["card-path"] ?? "", "utf8")).toMatch(/^<svg/);
    expect(ledger().xp).toBe(10);
    expect(gh.file("repositori", "dash.svg")?.toString("utf8")).toMatch(/^<svg[^>]*role="img"/);
    const png = gh.file("repositori", "dash.png") ?? Buffer.alloc(0);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(CARD_WIDTH * PNG_SCALE);
    expect(png.readUInt32BE(20)).toBe(CARD_HEIGHT * PNG_SCALE);
    expect(run.summary).toContain("Fed by this run | 1 × curry");
  });

  it("with `formats: png`, links the PNG it wrote everywhere: summary, PR comment and /dash badge", async () => {
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "110", { formats: "png" });
    expect(run.code).toBe(0);
    expect(gh.file("repositori", "dash.svg")).toBeUndefined();
    expect(gh.file("repositori", "dash.png")?.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(run.summary).toContain("/Codertocat/Hello-World/blob/repositori/dash.png?raw=true");
    expect(run.summary).not.toContain("dash.svg");

    const opened = dartPayload("pull_request", "opened");
    const number = (opened.pull_request as Payload).number as number;
    expect((await runBundle("pull_request", opened, "111", { formats: "png" })).code).toBe(0);
    expect(gh.comments.get(number)?.[0]?.body).toMatch(/\/blob\/repositori\/dash\.png\?raw=true&v=/);

    gh.permissions.set("codertocat", "write");
    const badge = dartPayload("issue_comment", "created");
    (badge.comment as Payload).body = "/dash badge";
    const issue = (badge.issue as Payload).number as number;
    expect((await runBundle("issue_comment", badge, "112", { formats: "png" })).code).toBe(0);
    const reply = gh.comments.get(issue)?.at(-1)?.body ?? "";
    expect(reply).toContain("dash.png");
    expect(reply).not.toContain("dash.svg");
  });

  it("a second run adds XP; a re-run of the same run feeds nothing", async () => {
    await runBundle("push", pushOf(["a".repeat(40)]), "100");
    const second = await runBundle("push", pushOf(["b".repeat(40), "c".repeat(40)]), "101");
    expect(second.outputs).toMatchObject({ xp: "30", foods: "2" });
    const rerun = await runBundle("push", pushOf(["b".repeat(40), "c".repeat(40)]), "101");
    expect(rerun.code).toBe(0);
    expect(rerun.outputs).toMatchObject({ xp: "30", foods: "0" });
    expect(ledger().xp).toBe(30);
  });

  it("two concurrent runs both land", async () => {
    const [one, two] = await Promise.all([
      runBundle("push", pushOf(["d".repeat(40)]), "200"),
      runBundle("push", pushOf(["e".repeat(40)]), "201"),
    ]);
    expect([one?.code, two?.code]).toEqual([0, 0]);
    expect(ledger().xp).toBe(20);
  });

  it("comments once on a pull request and updates the same comment on merge", async () => {
    const opened = dartPayload("pull_request", "opened");
    const number = (opened.pull_request as Payload).number as number;
    expect((await runBundle("pull_request", opened, "300")).code).toBe(0);
    const closed = dartPayload("pull_request", "closed");
    (closed.pull_request as Payload).merged = true;
    expect((await runBundle("pull_request", closed, "301")).code).toBe(0);
    const comments = gh.comments.get(number) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/^<!-- repositori:dash -->/);
    expect(comments[0]?.body).toContain("https://github.com/Codertocat/Hello-World/blob/repositori/dash.svg?raw=true");
    expect(comments[0]?.body).toContain("**This PR fed Dash:** 2 × mapo tofu, 5 × feast → **+70 XP**");
    expect(ledger().xp).toBe(70);
  });

  it("counts a push to an open PR's branch in that PR's comment", async () => {
    const opened = dartPayload("pull_request", "opened");
    const number = (opened.pull_request as Payload).number as number;
    expect((await runBundle("pull_request", opened, "310")).code).toBe(0);
    gh.pulls.push({ number, head: "master", owner: "Codertocat", author: "Codertocat", open: true });
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "311");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Dash comment on #${number}: updated`);
    const comments = gh.comments.get(number) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/\*\*This PR fed Dash:\*\* 1 × curry, 2 × mapo tofu/);
  });

  it("does not fail on a fork PR whose token is read-only", async () => {
    gh.readOnly = true;
    const pr = dartPayload("pull_request", "opened");
    ((pr.pull_request as Payload).head as Payload).repo = { full_name: "fork/Hello-World" };
    const run = await runBundle("pull_request", pr, "400");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::.*fork/);
    expect(run.summary).toMatch(/Pull requests from forks.*\(pull_request_target\)/);
  });

  it("fails with the permissions line to add when the token cannot write", async () => {
    gh.readOnly = true;
    const run = await runBundle("push", pushOf(["f".repeat(40)]), "500");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*contents: write/);
  });

  it("ends with a notice and exit 0 on events it does not handle", async () => {
    const run = await runBundle("release", { action: "published" }, "600");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::notice::ReposiTori does nothing on release events/);
    expect(gh.requests).toEqual([CONFIG_READ]);
  });

  it("refuses bad inputs with a message naming the input", async () => {
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "700", { timezone: "Mars/Base" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*input `timezone` is not an IANA time zone/);
  });

  it("reads and writes back a dash.json over 1 MB", async () => {
    const sources = Array.from({ length: 25_000 }, (_, i) => `commit:${i.toString(16).padStart(40, "0")}`);
    const text = `${JSON.stringify({ ...emptyLedger(), xp: 250_000, foods: 25_000, sources }, null, 1)}\n`;
    expect(text.length).toBeGreaterThan(1024 * 1024);
    gh.commitFiles("repositori", { "dash.json": text });
    const run = await runBundle("push", pushOf(["f".repeat(40)]), "800");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ xp: "250010", foods: "1" });
    expect(ledger().sources).toHaveLength(25_001);
  });

  it("does nothing, successfully, when .github/dash.yml says enabled: false", async () => {
    dashYml("enabled: false\n");
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "900");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::notice::.*enabled: false/);
    expect(run.outputs).toMatchObject({ foods: "0" });
    expect(gh.requests).toEqual([CONFIG_READ]);
  });

  it("with comment: merged-only, comments first on the merge", async () => {
    dashYml("comment: merged-only\n");
    const opened = dartPayload("pull_request", "opened");
    const number = (opened.pull_request as Payload).number as number;
    expect((await runBundle("pull_request", opened, "1000")).code).toBe(0);
    expect(gh.comments.get(number) ?? []).toEqual([]);
    const closed = dartPayload("pull_request", "closed");
    (closed.pull_request as Payload).merged = true;
    expect((await runBundle("pull_request", closed, "1001")).code).toBe(0);
    expect(gh.comments.get(number)).toHaveLength(1);
  });

  it("with comment: off, feeds Dash without commenting", async () => {
    dashYml("comment: off\n");
    const opened = dartPayload("pull_request", "opened");
    const number = (opened.pull_request as Payload).number as number;
    const run = await runBundle("pull_request", opened, "1100");
    expect(run.outputs).toMatchObject({ foods: "2" });
    expect(gh.comments.get(number) ?? []).toEqual([]);
  });

  it("takes .github/dash.yml from the default branch, so a pull request cannot raise its own foods", async () => {
    const opened = dartPayload("pull_request", "opened");
    const head = ((opened.pull_request as Payload).head as Payload).ref as string;
    dashYml("foods: { pull_request_opened: 3 }\n");
    const raised = "foods: { pull_request_opened: 25 }\ndaily_cap: 1000\n";
    gh.commitFiles(head, { ".github/dash.yml": raised });
    checkedOutDashYml(raised);
    const run = await runBundle("pull_request", opened, "1300");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ foods: "3" });
  });

  it("feeds with the defaults when the default branch has no .github/dash.yml, whatever the checkout holds", async () => {
    checkedOutDashYml("foods: { push: 20 }\n");
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "1400");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ foods: "1" });
  });

  it("reports a .github/dash.yml that is not YAML and feeds with the defaults, as the App does", async () => {
    dashYml("comment: [off\n");
    const run = await runBundle("push", pushOf(["a".repeat(40)]), "1200");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::.*could not be read/);
    expect(run.outputs).toMatchObject({ foods: "1" });
  });
});
