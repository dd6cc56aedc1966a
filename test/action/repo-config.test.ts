import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultBranchOf, readRepoConfig } from "../../src/action/repo-config-file.js";
import { ActionConfigError } from "../../src/action/run-action.js";
import type { GitApi } from "../../src/action/state-branch.js";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.js";
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

const where = (ref: string | undefined) => ({ owner: "Codertocat", repo: "Hello-World", ref });
const api = () => getOctokit("ghs_fake", { baseUrl: gh.url });

describe("readRepoConfig: .github/dash.yml from the default branch", () => {
  it("reads the default branch's file, not the one a pull request proposes", async () => {
    const pr = dartPayload("pull_request", "synchronize");
    const head = ((pr.pull_request as Payload).head as Payload).ref as string;
    gh.commitFiles("master", { ".github/dash.yml": "daily_cap: 5\nfoods: { push: 2 }\n" });
    gh.commitFiles(head, { ".github/dash.yml": "daily_cap: 1000\nfoods: { push: 50 }\n" });
    expect(defaultBranchOf(pr)).toBe("master");
    const { config, problems } = await readRepoConfig(api(), where(defaultBranchOf(pr)));
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ daily_cap: 5, foods: { push: 2 } });
  });

  it("reads a file over the contents API's 1 MB JSON limit through the raw media type", async () => {
    gh.commitFiles("main", { ".github/dash.yml": `daily_cap: 7\n${"# padding\n".repeat(120_000)}` });
    const { config } = await readRepoConfig(api(), where("main"));
    expect(config.daily_cap).toBe(7);
  });

  it("uses the defaults, with nothing to report, when the repository has no dash.yml", async () => {
    gh.commitFiles("master", { "README.md": "# Hello\n" });
    expect(await readRepoConfig(api(), where("master"))).toEqual({ config: DEFAULT_REPO_CONFIG, problems: [] });
  });

  it("reports a file that is not YAML and uses the defaults", async () => {
    gh.commitFiles("master", { ".github/dash.yml": "comment: [off\n" });
    const { config, problems } = await readRepoConfig(api(), where("master"));
    expect(config).toEqual(DEFAULT_REPO_CONFIG);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^`\.github\/dash\.yml` could not be read: /);
  });

  it("fails with the permissions line to add when the token may not read the repository", async () => {
    const refused: GitApi = {
      request: async () => {
        throw Object.assign(new Error("Resource not accessible by integration"), { status: 403 });
      },
    };
    const read = readRepoConfig(refused, where("master"));
    await expect(read).rejects.toBeInstanceOf(ActionConfigError);
    await expect(read).rejects.toThrow(/HTTP 403.*contents: write/);
  });
});
