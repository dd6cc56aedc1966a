import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commentsFeature } from "../../src/comments/feature.js";
import { setPrReaction } from "../../src/comments/reaction.js";
import { cardUrl } from "../../src/render/links.js";
import { openStore } from "../../src/store/open-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import { loadRepoDash } from "../../src/views/load-dash.js";
import { type Harness, mockConfig, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { signal } from "../helpers/signal.js";
import {
  API,
  appComment,
  depsFor,
  expectNoCommentCalls,
  feed,
  mockCreateComment,
  mockListComments,
  mockUpdateComment,
  NOW,
  type Recorder,
  testOctokit,
  watchCommentCalls,
  ZWSP,
} from "./helpers.js";

type Payload = Record<string, unknown>;
const OWNER = "Codertocat";
const REPO = "Hello-World";
const PR = 2;
const COMMENT_ID = 1001;
const CONFIG_PATH = `/contents/${encodeURIComponent(".github/dash.yml")}`;
const FOOTER =
  "<sub>Dash eats commits, issues, pull requests and reviews in this Dart repository. Comment `/dash help` for commands.</sub>";

let app: Harness;
let store: SqlStore;
let posted: Recorder;
let patched: Recorder;

/**
 * The comment runs after the feeding, whose pipeline logs and swallows its errors: a comment call no
 * mock answers shows up only as an error line. `close()` fails the test on any such line.
 */
async function start(): Promise<void> {
  store = await openStore("sqlite::memory:");
  app = await startApp({ store, features: [commentsFeature], now: () => NOW, failOnErrorLog: true });
}

beforeEach(async () => {
  await start();
  posted = { bodies: [] };
  patched = { bodies: [] };
});
afterEach(async () => {
  await app.close();
});

/** Replays a payload through Probot as a delivery would arrive. */
async function receive(name: string, payload: Payload, id: string = randomUUID(), opts = { settle: true }) {
  // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
  await app.probot?.receive({ id, name, payload } as any);
  // The comment is brought up to date after the delivery is answered.
  if (opts.settle) await app.idle();
}

const withInstallation = (p: Payload) => p.installation !== undefined;
const opened = () => dartPayload("pull_request", "opened", withInstallation);
const synchronize = () => dartPayload("pull_request", "synchronize", withInstallation);
function merged(): Payload {
  const p = dartPayload("pull_request", "closed", withInstallation);
  (p.pull_request as Payload).merged = true;
  return p;
}
function review(login: string, id: number): Payload {
  const p = dartPayload("pull_request_review", "submitted", withInstallation);
  (p.review as Payload).user = { login, id: id + 1000, type: "User" };
  (p.review as Payload).id = id;
  return p;
}
function pushTo(branch: string): Payload {
  const p = dartPayload("push", undefined, (x) => (x.commits as unknown[]).length > 0);
  p.ref = `refs/heads/${branch}`;
  return p;
}

/** The card link as the comment must show it for the repo's current state. */
async function card(): Promise<string> {
  const view = await loadRepoDash(store, OWNER, REPO, { now: NOW, top: 3 });
  if (!view) throw new Error("no Dash yet");
  return cardUrl("http://dash.test", OWNER, REPO, view.state);
}

interface Expected {
  level: number;
  toNext: number;
  mood?: string;
  fed: string;
  xp: number;
  merged?: boolean;
  levelFrom?: number;
  outfits?: string;
  rows: string[];
  problems?: string;
}

/** The English comment, written out line by line. */
async function english(e: Expected): Promise<string> {
  const facts = [`**This PR fed Dash:** ${e.fed} → **+${e.xp} XP**`];
  if (e.merged) facts.push("Merged: thanks for the feast! 🎉");
  if (e.levelFrom) facts.push(`🎉 **Level up!** Dash went from level ${e.levelFrom} to level ${e.level}.`);
  if (e.outfits) facts.push(`👗 **New outfit unlocked:** ${e.outfits}. Try \`/dash wear <outfit>\`.`);
  const lines = [
    "<!-- repositori:dash -->",
    `![Dash, level ${e.level}, happy](${await card()})`,
    "",
    `### 😊 Dash is happy · level ${e.level} · ${e.toNext} XP to level ${e.level + 1}`,
    "",
    facts.join("  \n"),
    "",
    "| Contributor | Level | Fed in this PR |",
    "| --- | --- | --- |",
    ...e.rows,
    "",
  ];
  if (e.problems) lines.push(e.problems, "");
  lines.push(FOOTER, "");
  return lines.join("\n");
}

function firstEvent(config?: string) {
  mockInstallationToken(1);
  if (config === undefined) mockNoConfig(OWNER, REPO);
  else mockConfig(OWNER, REPO, config);
}

describe("the sticky PR comment", () => {
  it("is created when a PR opens, then edited in place by a review, new commits and the merge feast", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    expect(posted.bodies).toEqual([
      {
        body: await english({
          level: 2,
          toNext: 40,
          fed: "2 × mapo tofu",
          xp: 20,
          levelFrom: 1,
          outfits: "spring",
          rows: ["| Codertocat | 2 ⬆️ level up! | +20 XP |"],
        }),
      },
    ]);

    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request_review", review("octocat", 501));
    const afterReview = await english({
      level: 2,
      toNext: 30,
      fed: "2 × mapo tofu, 1 × tteokbokki",
      xp: 30,
      levelFrom: 1,
      outfits: "spring",
      rows: ["| Codertocat | 2 ⬆️ level up! | +20 XP |", "| octocat | 1 | +10 XP |"],
    });
    expect(patched.bodies).toEqual([{ body: afterReview }]);

    // New commits: the push feeds them and edits the comment; `synchronize` then finds nothing to change.
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("push", pushTo("changes"));
    await receive("pull_request", synchronize());
    const afterPush = await english({
      level: 2,
      toNext: 20,
      fed: "1 × curry, 2 × mapo tofu, 1 × tteokbokki",
      xp: 40,
      levelFrom: 1,
      outfits: "spring",
      rows: ["| Codertocat | 2 ⬆️ level up! | +30 XP |", "| octocat | 1 | +10 XP |"],
    });
    expect(patched.bodies.slice(1)).toEqual([{ body: afterPush }]);

    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request", merged());
    const afterMerge = await english({
      level: 3,
      toNext: 50,
      fed: "1 × curry, 2 × mapo tofu, 5 × feast, 1 × tteokbokki",
      xp: 90,
      merged: true,
      levelFrom: 1,
      outfits: "spring, summer",
      rows: ["| Codertocat | 3 ⬆️ level up! | +80 XP |", "| octocat | 1 | +10 XP |"],
    });
    expect(patched.bodies.slice(2)).toEqual([{ body: afterMerge }]);
  });

  it("two events for the same PR at once: one POST, then one PATCH showing both", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    const postReached = signal();
    const gate = signal();
    nock(API)
      .post(`/repos/${OWNER}/${REPO}/issues/${PR}/comments`)
      .reply(201, async (request: Request) => {
        posted.bodies.push(await request.json());
        postReached.fire();
        await gate.promise;
        return { id: COMMENT_ID };
      });
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);

    const first = receive("pull_request", opened());
    await postReached.promise;
    // The review lands while the first event is still posting: it must not post a second comment.
    await receive("pull_request_review", review("octocat", 502), randomUUID(), { settle: false });
    gate.fire();
    await first;

    expect(posted.bodies).toHaveLength(1);
    expect((posted.bodies[0] as { body: string }).body).toContain("**This PR fed Dash:** 2 × mapo tofu → **+20 XP**");
    expect(patched.bodies).toEqual([
      {
        body: await english({
          level: 2,
          toNext: 30,
          fed: "2 × mapo tofu, 1 × tteokbokki",
          xp: 30,
          levelFrom: 1,
          outfits: "spring",
          rows: ["| Codertocat | 2 ⬆️ level up! | +20 XP |", "| octocat | 1 | +10 XP |"],
        }),
      },
    ]);
  });

  it("a redelivered event neither posts again nor edits", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    const payload = opened();
    await receive("pull_request", payload, "same-delivery");
    expect(posted.bodies).toHaveLength(1);
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("pull_request", payload, "same-delivery");
    expect(posted.bodies).toHaveLength(1);
    expectNoCommentCalls(watch);
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(20);
  });

  it("works for a PR from a fork, and pushes to a same-named branch here do not count for it", async () => {
    const payload = opened();
    const pr = payload.pull_request as Payload;
    const forker = { login: "octo-forker", id: 77, type: "User" };
    pr.user = forker;
    pr.head = {
      ...(pr.head as Payload),
      label: "octo-forker:changes",
      user: forker,
      repo: { id: 9_999_001, name: REPO, full_name: `octo-forker/${REPO}`, owner: forker, private: false },
    };
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", payload);
    expect(posted.bodies).toEqual([
      {
        body: await english({
          level: 2,
          toNext: 40,
          fed: "2 × mapo tofu",
          xp: 20,
          levelFrom: 1,
          outfits: "spring",
          rows: ["| octo-forker | 2 ⬆️ level up! | +20 XP |"],
        }),
      },
    ]);
    // Codertocat pushes to this repo's own `changes` branch: that is not the fork's PR.
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("push", pushTo("changes"));
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(30);
    expectNoCommentCalls(watch);
    // Nor does the push show up later: the next edit lists the fork's food only.
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request_review", review("octocat", 507));
    const body = (patched.bodies[0] as { body: string }).body;
    expect(body).toContain("**This PR fed Dash:** 2 × mapo tofu, 1 × tteokbokki → **+30 XP**");
    expect(body).not.toContain("| Codertocat |");
  });

  it("follows a PR opened before the App was installed from its next commits on", async () => {
    firstEvent();
    const list = mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    // `synchronize` feeds nothing: Dash starts following the PR, without a comment yet.
    await receive("pull_request", synchronize());
    expect(posted.bodies).toEqual([]);
    expect(list.isDone()).toBe(false);
    await receive("push", pushTo("changes"));
    expect(posted.bodies).toEqual([
      {
        body: await english({
          level: 1,
          toNext: 10,
          fed: "1 × curry",
          xp: 10,
          rows: ["| Codertocat | 1 | +10 XP |"],
        }),
      },
    ]);
  });

  it("a closed PR's branch no longer feeds it; reopening it does", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    await receive("pull_request", dartPayload("pull_request", "closed", withInstallation));
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("push", pushTo("changes"));
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(30);
    expectNoCommentCalls(watch);
    const reopened = dartPayload("pull_request", "reopened", withInstallation);
    // The recorded examples were not taken in order; GitHub's own reopening comes after the close.
    (reopened.pull_request as Payload).updated_at = "2019-05-15T15:30:00Z";
    await receive("pull_request", reopened);
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    const second = pushTo("changes");
    const commit = (second.commits as Payload[])[0] as Payload;
    commit.id = "0000000000000000000000000000000000000002";
    await receive("push", second);
    // Only the commit pushed while the PR was open again counts for it (the first one fed the repo's Dash).
    expect((patched.bodies[0] as { body: string }).body).toContain(
      "**This PR fed Dash:** 1 × curry, 2 × mapo tofu → **+30 XP**",
    );
  });

  it("a user's comment carrying the marker is never edited, nor another App's", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR, [
      { id: 1, body: "<!-- repositori:dash -->\nedit me", user: { login: "mallory", type: "User" } },
      {
        id: 2,
        body: "<!-- repositori:dash -->",
        user: { login: "mallory", type: "User" },
        performed_via_github_app: { id: 1 },
      },
      appComment(3, "<!-- repositori:dash -->\nother app", 99),
      { ...appComment(4, "<!-- repositori:dash -->"), user: { login: "repositori", type: "Bot" } },
    ]);
    const edits = [1, 2, 3, 4].map((id) => mockUpdateComment(OWNER, REPO, id, patched));
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    expect(posted.bodies).toHaveLength(1);
    expect((posted.bodies[0] as { body: string }).body).toContain("**This PR fed Dash:** 2 × mapo tofu → **+20 XP**");
    expect(patched.bodies).toEqual([]);
    for (const edit of edits) expect(edit.isDone()).toBe(false);
    nock.cleanAll();
  });

  it("finds its own comment again by the marker when the stored id is lost", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR, [
      { id: 1, body: "LGTM", user: { login: "octocat", type: "User" } },
      appComment(777, "<!-- repositori:dash -->\nold text"),
    ]);
    mockUpdateComment(OWNER, REPO, 777, patched);
    const create = mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    expect(patched.bodies).toHaveLength(1);
    expect((patched.bodies[0] as { body: string }).body).toContain("**This PR fed Dash:** 2 × mapo tofu");
    expect(posted.bodies).toEqual([]);
    expect(create.isDone()).toBe(false);
    nock.cleanAll();
    // Found once, it is kept: the next event edits it without listing the comments again.
    mockUpdateComment(OWNER, REPO, 777, patched);
    await receive("pull_request_review", review("octocat", 508));
    expect((patched.bodies[1] as { body: string }).body).toContain(
      "**This PR fed Dash:** 2 × mapo tofu, 1 × tteokbokki",
    );
  });

  it("a deleted comment is not posted again on that PR", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    const gone = nock(API)
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/${COMMENT_ID}`)
      .reply(404, { message: "Not Found" });
    await receive("pull_request_review", review("octocat", 503));
    expect(gone.isDone()).toBe(true);
    // Neither a new comment nor another edit attempt afterwards, not even for the merge feast.
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("pull_request", merged());
    expect(posted.bodies).toHaveLength(1);
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(80);
    expectNoCommentCalls(watch);
  });

  it("a comment GitHub refuses is logged, the feeding still counts, and the next event posts it", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    nock(API).post(`/repos/${OWNER}/${REPO}/issues/${PR}/comments`).reply(500, { message: "Server Error" });
    await receive("pull_request", opened());
    expect(app.takeErrorLogs()).toMatchObject([
      { msg: "Dash's PR comment could not be brought up to date; the PR's next event retries", err: { status: 500 } },
    ]);
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(20);

    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request_review", review("octocat", 509));
    expect(posted.bodies).toHaveLength(1);
    expect((posted.bodies[0] as { body: string }).body).toContain("2 × mapo tofu, 1 × tteokbokki → **+30 XP**");
  });

  it("leaves out contributors who opted out, while their food still counts", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    await store.setOptOut(186853002, "octocat", true);
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request_review", review("octocat", 504));
    const body = (patched.bodies[0] as { body: string }).body;
    expect(body).toContain("**This PR fed Dash:** 2 × mapo tofu, 1 × tteokbokki → **+30 XP**");
    expect(body).not.toContain("octocat");
  });

  it("lists the contributors of a private repo's PR too, at the levels their public work earned", async () => {
    // Codertocat's public work elsewhere: 50 XP, level 2 for their personal Dash (+20 would reach level 3).
    const elsewhere = { id: 42, owner: "octo-org", name: "public-repo", private: false, installationId: 1 };
    await feed(store, elsewhere, [{ login: "Codertocat", food: "mapo_tofu", count: 5, sourceKey: "pr-opened:42/1" }]);
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    const payload = opened();
    (payload.repository as Payload).private = true;
    await receive("pull_request", payload);
    const body = (posted.bodies[0] as { body: string }).body;
    expect(body).toContain("**This PR fed Dash:** 2 × mapo tofu → **+20 XP**");
    // Private work feeds no personal Dash: the level public work earned, and no level-up.
    expect(body).toContain("| Codertocat | 2 | +20 XP |");
    expect(body).not.toContain("⬆️ level up!");
  });

  it("never comments on a bot's PR, nor on an ignored user's, whoever feeds Dash on it later", async () => {
    const bot = { login: "dependabot[bot]", id: 49699333, type: "Bot" };
    const payload = opened();
    (payload.pull_request as Payload).user = bot;
    firstEvent();
    // Would record a comment, were one posted.
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("pull_request", payload);
    // A human reviews it: the reviewer is fed, the bot's PR still gets no comment (nock refuses any call).
    const reviewed = review("octocat", 505);
    (reviewed.pull_request as Payload).user = bot;
    await receive("pull_request_review", reviewed);
    // New commits on its branch: fed, and still no comment.
    const sync = synchronize();
    (sync.pull_request as Payload).user = bot;
    await receive("pull_request", sync);
    const head = ((sync.pull_request as Payload).head as Payload).ref as string;
    await receive("push", pushTo(head));
    // Opened (the bot is not fed), reviewed (+10) and a commit pushed (+10).
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(20);
    expectNoCommentCalls(watch);

    // The same for a user .github/dash.yml ignores.
    await app.close();
    await start();
    firstEvent("ignored_users: [Codertocat]\n");
    const again = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("pull_request", opened());
    await receive("pull_request_review", review("octocat", 506));
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(10);
    expectNoCommentCalls(again);
  });

  it("shows Dash's spoken reaction, with the audio link and credit, when the voice feature sets it", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    const target = { octokit: testOctokit(), owner: OWNER, repo: REPO, repoId: 186853002, prNumber: PR };
    const result = await setPrReaction(depsFor(store), target, {
      text: "Mapo tofu! Spicy and perfect, @Codertocat.",
      audioUrl: "http://dash.test/audio/abc.mp3",
      credit: "VOICEVOX:ずんだもん",
    });
    expect(result).toBe("updated");
    const body = (patched.bodies[0] as { body: string }).body;
    expect(body).toContain(
      [
        "",
        `> 💬 “Mapo tofu\\! Spicy and perfect, @${ZWSP}Codertocat.”`,
        ">",
        "> 🔊 [Listen](http://dash.test/audio/abc.mp3) (VOICEVOX:ずんだもん)",
        "",
        "| Contributor | Level | Fed in this PR |",
      ].join("\n"),
    );
    // Unknown PRs are left alone.
    expect(await setPrReaction(depsFor(store), { ...target, prNumber: 99 }, { text: "hi" })).toBe("skipped");
  });

  it("drops a reaction that names someone who has opted out since", async () => {
    firstEvent();
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    const target = { octokit: testOctokit(), owner: OWNER, repo: REPO, repoId: 186853002, prNumber: PR };
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await setPrReaction(depsFor(store), target, { text: "Thanks for the tofu, Codertocat!", named: "Codertocat" });
    expect((patched.bodies[0] as { body: string }).body).toContain("Thanks for the tofu");
    await store.setOptOut(186853002, "codertocat", true);
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request_review", review("octocat", 507));
    const after = (patched.bodies[1] as { body: string }).body;
    expect(after).toContain("1 × tteokbokki");
    expect(after).not.toContain("Thanks for the tofu");
  });
});

describe("the comment and .github/dash.yml", () => {
  it("an invalid setting produces one line saying what is wrong and where; the valid ones still apply", async () => {
    firstEvent("timezone: Mars/Olympus\nflavour: spicy\nname: Dashy\n");
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    const body = (posted.bodies[0] as { body: string }).body;
    expect(body.split("\n").filter((l) => l.startsWith("⚠️"))).toEqual([
      "⚠️ `.github/dash.yml` has problems, defaults are used instead: `flavour`: unknown setting \\(ignored\\); `timezone`: is not an IANA time zone such as UTC or Asia/Tokyo",
    ]);
    expect(body).toContain("### 😊 Dashy is happy · level 2");
  });

  it("a push that edits .github/dash.yml changes the comment from the next event on", async () => {
    firstEvent("name: Dashy\n");
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    expect((posted.bodies[0] as { body: string }).body).toContain("### 😊 Dashy is happy · level 2");

    // The config is cached: a review before the change reads no config and keeps the name.
    mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("pull_request_review", review("octocat", 601));
    expect((patched.bodies[0] as { body: string }).body).toContain("### 😊 Dashy is happy");

    // A push to the default branch that edits the file: the cached config is dropped, and this very
    // push reads the new one (it feeds the repo, though not the PR, whose branch is another).
    const edit = pushTo("master");
    (edit.commits as Payload[])[0] = { ...(edit.commits as Payload[])[0], modified: [".github/dash.yml"] };
    const config = mockConfig(OWNER, REPO, "name: ダッシュ\nlocale: ja\n");
    const nextEdit = mockUpdateComment(OWNER, REPO, COMMENT_ID, patched);
    await receive("push", edit);
    expect(config.isDone()).toBe(true);
    expect(patched.bodies).toHaveLength(1);
    expect(nextEdit.isDone()).toBe(false);

    await receive("pull_request_review", review("hubot", 602));
    const body = (patched.bodies[1] as { body: string }).body;
    expect(body).toContain("### 😊 ダッシュはごきげん");
    expect(body).toContain("| コントリビューター | レベル | このPRで |");
  });

  it("a file that is not YAML is reported too, and Dash still eats", async () => {
    firstEvent("locale: [en\n");
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    const body = (posted.bodies[0] as { body: string }).body;
    const line = body.split("\n").find((l) => l.startsWith("⚠️"));
    expect(line).toBe(
      "⚠️ `.github/dash.yml` has problems, defaults are used instead: `.github/dash.yml` could not be read: invalid YAML \\(Flow sequence in block collection must be sufficiently indented and end with a \\] at line 2, column 1:\\)",
    );
    expect(body).toContain("**This PR fed Dash:** 2 × mapo tofu → **+20 XP**");
  });

  it("falls back to the organisation's .github repository, here in Japanese", async () => {
    mockInstallationToken(1);
    nock(API)
      .get(`/repos/${OWNER}/${REPO}${CONFIG_PATH}`)
      .reply(404, { message: "Not Found" })
      .get(`/repos/${OWNER}/.github${CONFIG_PATH}`)
      .reply(200, "locale: ja\nname: ダッシュ\n", { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    expect(posted.bodies).toEqual([
      {
        body: [
          "<!-- repositori:dash -->",
          `![ダッシュ、レベル2、ごきげん](${await card()})`,
          "",
          "### 😊 ダッシュはごきげん · レベル2 · レベル3まであと40 XP",
          "",
          [
            "**このPRでダッシュが食べたもの:** 2 × 麻婆豆腐 → **+20 XP**",
            "🎉 **レベルアップ！** ダッシュはレベル1からレベル2になりました。",
            "👗 **新しい衣装:** 春。`/dash wear <衣装>` で着替えられます。",
          ].join("  \n"),
          "",
          "| コントリビューター | レベル | このPRで |",
          "| --- | --- | --- |",
          "| Codertocat | 2 ⬆️ レベルアップ！ | +20 XP |",
          "",
          "<sub>このDartリポジトリのコミット、Issue、プルリクエスト、レビューがDashのごはんになります。コマンドは `/dash help` で。</sub>",
          "",
        ].join("\n"),
      },
    ]);
  });

  it("a name from the config cannot ping, link or inject HTML", async () => {
    firstEvent('name: "@org/team <b>x</b> [y](https://e.x)"\n');
    mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    const body = (posted.bodies[0] as { body: string }).body;
    expect(body).toContain(
      `### 😊 @${ZWSP}org/team &lt;b&gt;x&lt;/b&gt; \\[y\\]\\(https:${ZWSP}//e.x\\) is happy · level 2`,
    );
    expect(body).not.toMatch(/@(?!\u200b)/);
    expect(body).not.toContain("<b>");
  });

  it("`comment: merged-only` waits for the merge feast, then shows all the PR fed", async () => {
    firstEvent("comment: merged-only\n");
    const list = mockListComments(OWNER, REPO, PR);
    mockCreateComment(OWNER, REPO, PR, COMMENT_ID, posted);
    await receive("pull_request", opened());
    await receive("pull_request_review", review("octocat", 505));
    expect(posted.bodies).toEqual([]);
    expect(list.isDone()).toBe(false);
    await receive("pull_request", merged());
    expect(posted.bodies).toEqual([
      {
        body: await english({
          level: 3,
          toNext: 60,
          fed: "2 × mapo tofu, 5 × feast, 1 × tteokbokki",
          xp: 80,
          merged: true,
          levelFrom: 1,
          outfits: "spring, summer",
          rows: ["| Codertocat | 3 ⬆️ level up! | +70 XP |", "| octocat | 1 | +10 XP |"],
        }),
      },
    ]);
  });

  it("`comment: off` never comments", async () => {
    firstEvent("comment: off\n");
    const watch = watchCommentCalls(OWNER, REPO, PR, [COMMENT_ID]);
    await receive("pull_request", opened());
    await receive("pull_request_review", review("octocat", 603));
    await receive("pull_request", merged());
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json().xp).toBe(80);
    expectNoCommentCalls(watch);
  });
});
