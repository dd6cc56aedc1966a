import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readInputs } from "../../src/action/inputs.js";
import { type ActionDeps, runAction } from "../../src/action/run-action.js";
import { upsertStickyComment } from "../../src/action/sticky-comment.js";
import { COMMENT_MARKER } from "../../src/comments/render-comment.js";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/config/repo-config.js";
import { emptyLedger, parseLedger } from "../../src/domain/ledger.js";
import { dartPayload } from "../helpers/examples.js";
import { GitHubDouble } from "./github-double.js";

let gh: GitHubDouble;
beforeEach(async () => {
  gh = await new GitHubDouble().start();
});
afterEach(async () => {
  await gh.stop();
});

type Payload = Record<string, unknown>;
const pushOf = (shas: string[]): Payload => {
  const p = dartPayload("push", undefined, (x) => (x.commits as unknown[]).length > 0);
  const template = (p.commits as Payload[])[0] as Payload;
  p.commits = shas.map((id) => ({ ...template, id }));
  return p;
};

function deps(eventName: string, payload: Payload, runId: string, overrides: Partial<ActionDeps> = {}): ActionDeps {
  return {
    api: getOctokit("ghs_fake", { baseUrl: gh.url }),
    inputs: readInputs((n) => (n === "github-token" ? "ghs_fake" : "")),
    config: DEFAULT_REPO_CONFIG,
    now: () => new Date("2026-11-27T10:00:00Z"),
    run: { eventName, payload, owner: "Codertocat", repo: "Hello-World", runId, serverUrl: "https://github.com" },
    log: { info: () => {}, notice: () => {}, warning: () => {} },
    renderCard: async (state) => ({
      svg: `<svg><text>${state.level}/${state.xp}</text></svg>`,
      png: new Uint8Array([137, 80]),
    }),
    sleep: async () => {},
    ...overrides,
  };
}

const ledgerOnBranch = () => parseLedger(gh.file("repositori", "dash.json")?.toString("utf8") ?? "null");

describe("runAction against GitHub's git data API", () => {
  it("creates the state branch on the first run with the ledger and the card files", async () => {
    const result = await runAction(deps("push", pushOf(["a".repeat(40)]), "1"));
    expect(result).toMatchObject({ foods: 1, readOnly: false });
    expect(ledgerOnBranch().xp).toBe(10);
    expect(gh.file("repositori", "dash.svg")?.toString()).toBe("<svg><text>1/10</text></svg>");
    expect([...(gh.file("repositori", "dash.png") ?? [])]).toEqual([137, 80]);
    const head = gh.refs.get("refs/heads/repositori") ?? "";
    expect(gh.commits.get(head)?.parents).toEqual([]);
  });

  it("adds XP on a second run, as a child commit", async () => {
    await runAction(deps("push", pushOf(["a".repeat(40)]), "1"));
    const first = gh.refs.get("refs/heads/repositori");
    const second = await runAction(deps("push", pushOf(["b".repeat(40), "c".repeat(40)]), "2"));
    expect(second.foods).toBe(2);
    expect(ledgerOnBranch().xp).toBe(30);
    const head = gh.refs.get("refs/heads/repositori") ?? "";
    expect(gh.commits.get(head)?.parents).toEqual([first]);
  });

  it("a re-run of the same workflow run feeds nothing and writes nothing", async () => {
    await runAction(deps("push", pushOf(["a".repeat(40)]), "7"));
    const head = gh.refs.get("refs/heads/repositori");
    const rerun = await runAction(deps("push", pushOf(["a".repeat(40), "d".repeat(40)]), "7"));
    expect(rerun.foods).toBe(0);
    expect(gh.refs.get("refs/heads/repositori")).toBe(head);
    expect(ledgerOnBranch().xp).toBe(10);
  });

  it("two racing runs both land: the loser re-reads and re-applies its feeding", async () => {
    await runAction(deps("push", pushOf(["0".repeat(40)]), "1"));
    const branch = "refs/heads/repositori";
    const afterFirst = gh.refs.get(branch) ?? "";
    // What the other run lands, written beforehand: its commit follows the first run's.
    await runAction(deps("push", pushOf(["e".repeat(40)]), "2"));
    const afterOther = gh.refs.get(branch) ?? "";
    gh.refs.set(branch, afterFirst);
    let raced = false;
    gh.beforeRefUpdate = () => {
      if (raced) return;
      raced = true;
      // The other run lands between this run's read and its ref update.
      gh.refs.set(branch, afterOther);
    };
    const from = gh.requests.length;
    const result = await runAction(deps("push", pushOf(["f".repeat(40)]), "3"));
    expect(raced).toBe(true);
    expect(result.foods).toBe(1);
    // Its first ref update was refused (not a fast-forward); it read the branch again and landed.
    const updates = gh.requests.slice(from).filter((r) => r.startsWith("PATCH ") && r.includes("/git/refs/"));
    expect(updates).toHaveLength(2);
    expect(gh.commits.get(gh.refs.get(branch) ?? "")?.parents).toEqual([afterOther]);
    expect(ledgerOnBranch().xp).toBe(30);
    expect(ledgerOnBranch().deliveries.sort()).toEqual(["run-1", "run-2", "run-3"]);
  });

  it("ten concurrent runs all land", async () => {
    // The real jittered back-off, sped up: lockstep retries without it would keep colliding.
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms / 20));
    const runs = Array.from({ length: 10 }, (_, i) =>
      runAction(deps("push", pushOf([`${i}`.repeat(40)]), `r${i}`, { sleep })),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.foods)).toEqual(Array(10).fill(1));
    expect(ledgerOnBranch().xp).toBe(100);
  });

  it("ignores events it does not handle with a notice", async () => {
    const notices: string[] = [];
    const result = await runAction(
      deps("watch", { action: "started" }, "1", {
        log: { info: () => {}, warning: () => {}, notice: (m) => notices.push(m) },
      }),
    );
    expect(result.state).toBeNull();
    expect(notices[0]).toMatch(/does nothing on watch events/);
    expect(gh.refs.size).toBe(0);
  });

  it("a fork PR with a read-only token does not fail and explains what to do", async () => {
    gh.readOnly = true;
    const pr = dartPayload("pull_request", "opened");
    const prData = pr.pull_request as Payload;
    (prData.head as Payload).repo = { full_name: "someone/Hello-World" };
    (prData.base as Payload).repo = { full_name: "Codertocat/Hello-World" };
    const warnings: string[] = [];
    const result = await runAction(
      deps("pull_request", pr, "1", { log: { info: () => {}, notice: () => {}, warning: (m) => warnings.push(m) } }),
    );
    expect(result.readOnly).toBe(true);
    expect(result.summary).toMatch(/Pull requests from forks.*\(pull_request_target\)/);
    expect(warnings.join()).toMatch(/fork/);
  });

  it("a PR from a fork deleted since (no head repository) counts as a fork's too", async () => {
    gh.readOnly = true;
    const pr = dartPayload("pull_request", "opened");
    ((pr.pull_request as Payload).head as Payload).repo = null;
    const result = await runAction(deps("pull_request", pr, "1"));
    expect(result.readOnly).toBe(true);
    expect(result.summary).toMatch(/Pull requests from forks/);
  });

  it("a missing contents permission fails with the permissions line to add", async () => {
    gh.readOnly = true;
    await expect(runAction(deps("push", pushOf(["a".repeat(40)]), "1"))).rejects.toThrow(/contents: write/);
  });
});

describe("the Action's inputs", () => {
  const inputsWith = (over: Record<string, string>) => (name: string) =>
    over[name] ?? (name === "github-token" ? "ghs_fake" : "");

  it("reads `comment` as a switch, and refuses a typo instead of taking it for true", () => {
    expect(readInputs(inputsWith({})).comment).toBe(true);
    expect(readInputs(inputsWith({ comment: " Off " })).comment).toBe(false);
    expect(readInputs(inputsWith({ comment: "yes" })).comment).toBe(true);
    expect(() => readInputs(inputsWith({ comment: "flase" }))).toThrow("input `comment` must be true or false");
  });
});

describe("runAction follows .github/dash.yml as the App does", () => {
  const configOf = (raw: Record<string, unknown>) => {
    const { config, problems } = parseRepoConfig(raw);
    expect(problems).toEqual([]);
    return config;
  };
  /** A Dash at level 5, where every outfit is unlocked and `auto` would wear winter. */
  const seedLevel5 = (outfit: "summer" | null = null) =>
    gh.commitFiles("repositori", {
      "dash.json": JSON.stringify({ ...emptyLedger(), xp: 300, foods: 30, lastFedAt: "2026-11-26T10:00:00Z", outfit }),
    });

  it("draws the card in dash.yml's outfit and background", async () => {
    seedLevel5();
    const config = configOf({ outfit: "spring", background: "summer" });
    const result = await runAction(deps("push", pushOf(["a".repeat(40)]), "1", { config }));
    expect(result.state).toMatchObject({ level: 5, outfit: "spring", background: "summer" });
    const auto = await runAction(deps("push", pushOf(["b".repeat(40)]), "2"));
    // November in the north: the season's background, and the newest outfit unlocked.
    expect(auto.state).toMatchObject({ outfit: "winter", background: "autumn" });
  });

  it("keeps a commit eaten over the daily cap, so that it does not feed the next day", async () => {
    const config = configOf({ daily_cap: 1 });
    await runAction(deps("push", pushOf(["a".repeat(40)]), "1", { config }));
    expect(ledgerOnBranch().xp).toBe(10);
    // Over the cap: nothing fed, but the commit is eaten all the same.
    const over = await runAction(deps("push", pushOf(["b".repeat(40)]), "2", { config }));
    expect(over.foods).toBe(0);
    expect(ledgerOnBranch().sources).toContain(`commit:${"b".repeat(40)}`);
    // The next day the same commit, pushed to another branch, feeds nothing.
    const tomorrow = () => new Date("2026-11-28T10:00:00Z");
    const again = await runAction(deps("push", pushOf(["b".repeat(40)]), "3", { config, now: tomorrow }));
    expect(again.foods).toBe(0);
    expect(ledgerOnBranch().xp).toBe(10);
  });

  it("shows dash.yml's name in the job summary as plain text (no HTML, no pings)", async () => {
    const config = configOf({ name: "<img src=x onerror=alert(1)> @everyone" });
    const result = await runAction(deps("push", pushOf(["a".repeat(40)]), "1", { config }));
    expect(result.state?.name).toBe("<img src=x onerror=alert(1)> @everyone");
    expect(result.summary).not.toContain("<img");
    expect(result.summary).not.toContain("@everyone");
    expect(result.summary).toMatch(/^## 🐦 .*img src=x.* — level 1$/m);
  });

  it("lets an outfit picked with /dash wear beat dash.yml's, as the App does", async () => {
    seedLevel5("summer");
    const config = configOf({ outfit: "spring" });
    const result = await runAction(deps("push", pushOf(["a".repeat(40)]), "1", { config }));
    expect(result.state?.outfit).toBe("summer");
  });

  it("feeds nothing and touches nothing with enabled: false", async () => {
    const notices: string[] = [];
    const log = { info: () => {}, warning: () => {}, notice: (m: string) => notices.push(m) };
    const config = configOf({ enabled: false });
    const push = await runAction(deps("push", pushOf(["a".repeat(40)]), "1", { config, log }));
    expect(push).toMatchObject({ state: null, foods: 0 });
    const command = dartPayload("issue_comment", "created");
    (command.comment as Payload).body = "/dash name Sparky";
    const runCommand = async () => "renamed";
    await runAction(deps("issue_comment", command, "2", { config, log, runCommand }));
    expect(gh.requests).toEqual([]);
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatch(/enabled: false/);
  });

  describe("the comment setting", () => {
    const opened = () => dartPayload("pull_request", "opened");
    const merged = () => {
      const p = dartPayload("pull_request", "closed");
      (p.pull_request as Payload).merged = true;
      return p;
    };
    const number = (opened().pull_request as Payload).number as number;
    const commenting = (mode: string, runId: string): Partial<ActionDeps> => ({
      config: configOf({ comment: mode }),
      upsertComment: async (prNumber, _ledger, state, _feed, { create, knownId }) => {
        const body = `${COMMENT_MARKER}\nlevel ${state.level}, ${state.xp} XP (run ${runId})`;
        return upsertStickyComment(
          getOctokit("ghs_fake", { baseUrl: gh.url }),
          { owner: "Codertocat", repo: "Hello-World", prNumber },
          body,
          { create, knownId },
        );
      },
    });

    it("off: feeds Dash but never comments", async () => {
      await runAction(deps("pull_request", opened(), "1", commenting("off", "1")));
      await runAction(deps("pull_request", merged(), "2", commenting("off", "2")));
      expect(ledgerOnBranch().xp).toBe(70);
      expect(gh.comments.get(number) ?? []).toEqual([]);
    });

    it("merged-only: the comment appears with the merge, and later events keep it up to date", async () => {
      await runAction(deps("pull_request", opened(), "1", commenting("merged-only", "1")));
      expect(gh.comments.get(number) ?? []).toEqual([]);
      await runAction(deps("pull_request", merged(), "2", commenting("merged-only", "2")));
      expect(gh.comments.get(number)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 3, 70 XP (run 2)`]);
      const review = dartPayload("pull_request_review", "submitted");
      (review.pull_request as Payload).number = number;
      await runAction(deps("pull_request_review", review, "3", commenting("merged-only", "3")));
      expect(gh.comments.get(number)).toHaveLength(1);
      expect(gh.comments.get(number)?.[0]?.body).toMatch(/\(run 3\)$/);
    });

    it("a bot's or an ignored user's PR never gets the comment, as in the App, while its review feeds", async () => {
      const review = dartPayload("pull_request_review", "submitted");
      (review.pull_request as Payload).number = number;
      (review.pull_request as Payload).user = { login: "dependabot[bot]", type: "Bot" };
      await runAction(deps("pull_request_review", review, "1", commenting("always", "1")));
      const ignored = dartPayload("pull_request", "opened");
      const quiet = {
        ...commenting("always", "2"),
        config: configOf({ comment: "always", ignored_users: ["Codertocat"] }),
      };
      await runAction(deps("pull_request", ignored, "2", quiet));
      expect(gh.comments.get(number) ?? []).toEqual([]);
      expect(ledgerOnBranch().xp).toBe(10); // the review fed its author; the ignored user fed nothing
    });

    it("a comment someone deleted is not posted again, as in the App: the ledger remembers its id", async () => {
      await runAction(deps("pull_request", opened(), "1", commenting("always", "1")));
      const [posted] = gh.comments.get(number) ?? [];
      expect(ledgerOnBranch().comments).toEqual([[number, posted?.id]]);
      // Noted in a commit of its own, which keeps the card files as they were.
      const head = gh.refs.get("refs/heads/repositori") ?? "";
      const commit = gh.commits.get(head);
      expect(commit?.message).toBe(`Dash's comment on #${number}`);
      const parent = gh.commits.get(commit?.parents[0] ?? "");
      const files = (tree: string | undefined) =>
        (gh.trees.get(tree ?? "") ?? []).map((e) => `${e.path} ${e.path === "dash.json" ? "" : e.sha}`).sort();
      expect(files(commit?.tree)).toEqual(files(parent?.tree));
      expect(files(commit?.tree).map((f) => f.split(" ")[0])).toEqual(["dash.json", "dash.png", "dash.svg"]);
      // Later runs edit it by id, whoever wrote it (here, as if the token were a person's), with no new note.
      for (const c of gh.comments.get(number) ?? []) c.user = { login: "octo-person", type: "User" };
      const review = dartPayload("pull_request_review", "submitted");
      (review.pull_request as Payload).number = number;
      await runAction(deps("pull_request_review", review, "2", commenting("always", "2")));
      expect(gh.comments.get(number)?.map((c) => c.id)).toEqual([posted?.id]);
      expect(gh.comments.get(number)?.[0]?.body).toMatch(/\(run 2\)$/);
      // The review fed nothing (its author's own PR) and no note was needed: the branch did not move.
      expect(gh.refs.get("refs/heads/repositori")).toBe(head);
      expect(ledgerOnBranch().comments).toEqual([[number, posted?.id]]);
      gh.comments.set(number, []);
      await runAction(deps("pull_request", merged(), "3", commenting("always", "3")));
      expect(gh.comments.get(number) ?? []).toEqual([]);
      // The merge still feeds Dash (20 XP for the opening, 50 for the merge).
      expect(ledgerOnBranch().xp).toBe(70);
    });

    it("two runs that post the comment at once: the one that notes its id second deletes its copy", async () => {
      const review = dartPayload("pull_request_review", "submitted");
      (review.pull_request as Payload).number = number;
      const octokit = getOctokit("ghs_fake", { baseUrl: gh.url });
      const second: Partial<ActionDeps> = {
        ...commenting("always", "2"),
        // Run 2 finds no comment; before it posts one, run 1 posts its own and notes it.
        upsertComment: async (prNumber) => {
          await runAction(deps("pull_request", opened(), "1", commenting("always", "1")));
          const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
            owner: "Codertocat",
            repo: "Hello-World",
            issue_number: prNumber,
            body: `${COMMENT_MARKER}\nrun 2`,
          });
          return { done: "created", id: Number(data.id) };
        },
      };
      await runAction(deps("pull_request_review", review, "2", second));
      const comments = gh.comments.get(number) ?? [];
      expect(comments.map((c) => c.body)).toEqual([expect.stringMatching(/\(run 1\)$/)]);
      expect(ledgerOnBranch().comments).toEqual([[number, comments[0]?.id]]);
    });

    it("a comment GitHub's rate limit refuses is a warning, not a failed run or a permissions hint", async () => {
      gh.commentsRateLimited = true;
      const warnings: string[] = [];
      const log = { info: () => {}, notice: () => {}, warning: (m: string) => warnings.push(m) };
      const result = await runAction(deps("pull_request", opened(), "1", { ...commenting("always", "1"), log }));
      expect(result.readOnly).toBe(false);
      expect(ledgerOnBranch().xp).toBe(20);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^GitHub's rate limit refused Dash's comment \(HTTP 403: You have exceeded a secondary rate limit/,
        ),
      ]);
      expect(warnings.join()).not.toContain("pull-requests: write");
    });

    it("always: the comment appears on the first event", async () => {
      await runAction(deps("pull_request", opened(), "1", commenting("always", "1")));
      expect(gh.comments.get(number)).toHaveLength(1);
    });

    it("new commits and a reopened PR never create the comment, as in the App; new commits edit one that exists", async () => {
      const synchronize = () => dartPayload("pull_request", "synchronize");
      const reopened = () => dartPayload("pull_request", "reopened");
      expect((synchronize().pull_request as Payload).number).toBe(number);
      await runAction(deps("pull_request", synchronize(), "1", commenting("always", "1")));
      await runAction(deps("pull_request", reopened(), "2", commenting("always", "2")));
      expect(gh.comments.get(number) ?? []).toEqual([]);
      await runAction(deps("pull_request", opened(), "3", commenting("always", "3")));
      await runAction(deps("pull_request", synchronize(), "4", commenting("always", "4")));
      expect(gh.comments.get(number)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 20 XP (run 4)`]);
      // Reopening feeds nothing: the App only notes that the PR is open again and leaves its comment be.
      await runAction(deps("pull_request", reopened(), "5", commenting("always", "5")));
      expect(gh.comments.get(number)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 20 XP (run 4)`]);
    });

    it("merged-only: new commits keep a merged PR's comment up to date but never post it first", async () => {
      const synchronize = dartPayload("pull_request", "synchronize");
      (synchronize.pull_request as Payload).merged = true;
      await runAction(deps("pull_request", synchronize, "1", commenting("merged-only", "1")));
      expect(gh.comments.get(number) ?? []).toEqual([]);
      await runAction(deps("pull_request", merged(), "2", commenting("merged-only", "2")));
      await runAction(
        deps("pull_request", dartPayload("pull_request", "synchronize"), "3", commenting("merged-only", "3")),
      );
      expect(gh.comments.get(number)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 50 XP (run 3)`]);
    });

    describe("a push to an open PR's branch", () => {
      const pr = (n: number, author = "octocat", head = "master") =>
        gh.pulls.push({ number: n, head, owner: "Codertocat", author, open: true });

      it("feeds the PR's tally and comments on it, as the App does; other branches' PRs are left alone", async () => {
        pr(7);
        pr(8, "octocat", "other-branch");
        gh.pulls.push({ number: 9, head: "master", owner: "Codertocat", author: "octocat", open: false });
        await runAction(deps("push", pushOf(["a".repeat(40), "b".repeat(40)]), "1", commenting("always", "1")));
        expect(ledgerOnBranch().prs["7"]?.fed).toEqual({ curry: 2 });
        expect(Object.keys(ledgerOnBranch().prs)).toEqual(["7"]);
        expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 20 XP (run 1)`]);
        expect(gh.comments.get(8) ?? []).toEqual([]);
        // A re-run feeds nothing new and leaves the comment as it is.
        await runAction(deps("push", pushOf(["a".repeat(40), "b".repeat(40)]), "1", commenting("always", "1b")));
        expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 20 XP (run 1)`]);
      });

      it("posts nothing before the merge under merged-only, nor on a bot's or an ignored user's PR", async () => {
        pr(7);
        pr(11, "dependabot[bot]");
        pr(12, "Mallory");
        await runAction(deps("push", pushOf(["c".repeat(40)]), "1", commenting("merged-only", "1")));
        expect(gh.comments.get(7) ?? []).toEqual([]);
        const always = {
          ...commenting("always", "2"),
          config: configOf({ comment: "always", ignored_users: ["mallory"] }),
        };
        await runAction(deps("push", pushOf(["d".repeat(40)]), "2", always));
        expect(gh.comments.get(7)).toHaveLength(1);
        expect(gh.comments.get(11) ?? []).toEqual([]);
        expect(gh.comments.get(12) ?? []).toEqual([]);
        // A comment that exists is kept up to date under merged-only too, as in the App.
        await runAction(deps("push", pushOf(["e".repeat(40)]), "3", commenting("merged-only", "3")));
        expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\nlevel 2, 30 XP (run 3)`]);
      });

      it("still feeds Dash when GitHub will not list pull requests or take the comment, and says what to add", async () => {
        pr(7);
        const warnings: string[] = [];
        const log = { info: () => {}, notice: () => {}, warning: (m: string) => warnings.push(m) };
        for (const [i, status] of [403, 502].entries()) {
          gh.pullsStatus = status;
          const sha = String(i).repeat(40);
          const result = await runAction(deps("push", pushOf([sha]), `${i}`, { ...commenting("always", "1"), log }));
          expect(result.foods).toBe(1);
        }
        gh.pullsStatus = null;
        gh.commentsForbidden = true;
        const result = await runAction(
          deps("push", pushOf(["2".repeat(40)]), "2", { ...commenting("always", "2"), log }),
        );
        expect(result.foods).toBe(1);
        expect(ledgerOnBranch().xp).toBe(30);
        expect(gh.comments.get(7) ?? []).toEqual([]);
        expect(warnings).toEqual([
          expect.stringMatching(/pull requests of master \(HTTP 403: add `pull-requests: write`/),
          expect.stringMatching(/pull requests of master \(HTTP 502: /),
          expect.stringMatching(/comment on #7 up to date \(HTTP 403: add `pull-requests: write`/),
        ]);
      });

      it("asks GitHub nothing about PRs with comments off, in dash.yml or in the input", async () => {
        pr(7);
        await runAction(deps("push", pushOf(["f".repeat(40)]), "1", commenting("off", "1")));
        const noComments = readInputs((n) => (n === "github-token" ? "ghs_fake" : n === "comment" ? "false" : ""));
        await runAction(
          deps("push", pushOf(["9".repeat(40)]), "2", { ...commenting("always", "2"), inputs: noComments }),
        );
        expect(gh.requests.filter((r) => r.endsWith("/pulls"))).toEqual([]);
        expect(ledgerOnBranch().xp).toBe(20);
        expect(ledgerOnBranch().prs).toEqual({});
        expect(gh.comments.get(7) ?? []).toEqual([]);
      });
    });
  });
});
