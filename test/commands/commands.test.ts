import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commentsFeature } from "../../src/comments/feature.js";
import type { Outfit } from "../../src/domain/outfits.js";
import { dayKey } from "../../src/domain/time.js";
import { cardUrl } from "../../src/render/links.js";
import { openStore } from "../../src/store/open-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef } from "../../src/store/store.js";
import { DEFAULT_DISPLAY, loadRepoDash } from "../../src/views/load-dash.js";
import { API, feed, mockCreateComment, NOW, type Recorder } from "../comments/helpers.js";
import { type Harness, mockConfig, mockInstallationToken, mockNoConfig, startApp } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";

type Payload = Record<string, unknown>;
const OWNER = "Codertocat";
const REPO = "Hello-World";
const ISSUE = 1;
const REPO_REF: RepoRef = { id: 186853002, owner: OWNER, name: REPO, private: false, installationId: 1 };

let app: Harness;
let store: SqlStore;
let replies: Recorder;

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  app = await startApp({ store, features: [commentsFeature], now: () => NOW });
  replies = { bodies: [] };
});
afterEach(async () => {
  await app.close();
});

/** An issue comment as GitHub delivers it, with `body` written by `user`. */
function comment(body: string, user: Payload = { login: "Codertocat", id: 21031067, type: "User" }): Payload {
  const p = dartPayload("issue_comment", "created", (x) => x.installation !== undefined);
  const c = p.comment as Payload;
  c.body = body;
  c.user = user;
  p.sender = user;
  return p;
}

async function say(body: string, opts: { user?: Payload; private?: boolean } = {}) {
  const payload = comment(body, opts.user);
  if (opts.private) (payload.repository as Payload).private = true;
  // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
  await app.probot?.receive({ id: randomUUID(), name: "issue_comment", payload } as any);
}

/** The first delivery of a test fetches a token and the (absent, or given) config. */
function firstEvent(config?: string) {
  mockInstallationToken(1);
  if (config === undefined) mockNoConfig(OWNER, REPO);
  else mockConfig(OWNER, REPO, config);
}

function mockPermission(login: string, permission: string) {
  return nock(API)
    .get(`/repos/${OWNER}/${REPO}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: permission, user: { login } });
}

function expectReply() {
  mockCreateComment(OWNER, REPO, ISSUE, 9000 + replies.bodies.length, replies);
}

const lastReply = () => (replies.bodies.at(-1) as { body: string }).body;

/** Feeds the repo's Dash `foods` mapo tofu from Codertocat (20 XP reaches level 2). */
async function fed(foods: number) {
  await feed(store, REPO_REF, [
    { login: "Codertocat", food: "mapo_tofu", count: foods, sourceKey: `pr-opened:${foods}` },
  ]);
}

describe("/dash (everyone)", () => {
  it("says Dash has not eaten yet in a new repo", async () => {
    firstEvent();
    expectReply();
    await say("/dash");
    expect(lastReply()).toBe(
      "Dash has not eaten in this repository yet. Push a commit, open an issue or a pull request, or review one to feed it! 🍛",
    );
  });

  it("shows the card and the numbers", async () => {
    await fed(3);
    await feed(store, REPO_REF, [{ login: "octocat", food: "tteokbokki", count: 1, sourceKey: "review:1" }]);
    firstEvent();
    expectReply();
    await say("Nice!\n/dash");
    const view = await loadRepoDash(store, OWNER, REPO, { now: NOW, top: 3 });
    expect(lastReply()).toBe(
      [
        `![Dash, level 2, happy](${cardUrl("http://dash.test", OWNER, REPO, view?.state ?? null)})`,
        "",
        "### Dash is happy · level 2",
        "**40 XP** · 20 XP to level 3 · 4 foods eaten (4 today)  ",
        "Wearing **spring** · unlocked: normal, spring",
        "",
        "Top contributors: Codertocat (30 XP), octocat (10 XP)",
      ].join("\n"),
    );
  });

  it("lists the commands", async () => {
    firstEvent();
    expectReply();
    await say("/dash help");
    expect(lastReply()).toBe(
      [
        "Dash understands these commands in issue and pull request comments:",
        "",
        "| Command | What it does | Who |",
        "| --- | --- | --- |",
        "| `/dash` | Dash's card, level, XP and mood | everyone |",
        "| `/dash wear <outfit>` | change Dash's outfit (unlocked ones, or `auto`) | write access |",
        "| `/dash name <name>` | rename Dash (`reset` for the configured name) | write access |",
        "| `/dash optout` / `/dash optin` | leave / rejoin Dash's comments and leaderboard | everyone |",
        "| `/dash badge` | README snippets for Dash's badge | write access |",
        "| `/dash badge rotate` | new badge token for a private repository | admin |",
        "| `/dash help` | this list | everyone |",
      ].join("\n"),
    );
  });

  it("answers an unknown command politely, without echoing a live mention", async () => {
    firstEvent();
    expectReply();
    await say("/dash dance @octocat");
    expect(lastReply()).toBe("I don't know `/dash dance @octocat`. Comment `/dash help` to see what I can do.");
    expectReply();
    await say("/dash wear");
    expect(lastReply()).toBe("Usage: `/dash wear <outfit>`, e.g. `/dash wear summer`.");
  });
});

describe("/dash wear and /dash name (write access)", () => {
  it("changes the outfit for a writer, only to an unlocked one", async () => {
    await fed(2);
    firstEvent();
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash wear normal");
    expect(lastReply()).toBe("👗 Dash now wears **normal**.");
    expect((await store.getRepo(OWNER, REPO))?.outfit).toBe("normal");

    // The permission is cached briefly: no second lookup.
    expectReply();
    await say("/dash wear winter");
    expect(lastReply()).toBe("🔒 **winter** unlocks at level 5, and Dash is level 2. Unlocked so far: normal, spring.");
    expectReply();
    await say("/dash wear tuxedo");
    expect(lastReply()).toBe(
      "I don't know the outfit `tuxedo`. Outfits: `normal` (1), `spring` (2), `summer` (3), `autumn` (4), `winter` (5), or `auto`.",
    );
    expectReply();
    await say("/dash wear auto");
    expect(lastReply()).toBe("👗 Dash wears its newest unlocked outfit again (**spring** for now).");
    expect((await store.getRepo(OWNER, REPO))?.outfit).toBeNull();
  });

  it("treats outfit names like constructor and __proto__ as unknown", async () => {
    await fed(2);
    firstEvent();
    mockPermission("Codertocat", "write");
    const unknown = (name: string) =>
      `I don't know the outfit \`${name}\`. Outfits: \`normal\` (1), \`spring\` (2), \`summer\` (3), \`autumn\` (4), \`winter\` (5), or \`auto\`.`;
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      expectReply();
      await say(`/dash wear ${name}`);
      expect(lastReply()).toBe(unknown(name));
    }
    expect((await store.getRepo(OWNER, REPO))?.outfit).toBeNull();
  });

  /** Feeds the repo `foods` at once, its card showing the `outfit` that `.github/dash.yml` names. */
  const feedWithOutfit = (foods: number, outfit: Outfit) =>
    store.feed({
      deliveryId: `outfit-${outfit}-${foods}`,
      repo: REPO_REF,
      feedings: [{ login: "Codertocat", food: "mapo_tofu", count: foods, sourceKey: `pr-opened:${outfit}` }],
      at: NOW,
      day: dayKey(NOW, "UTC"),
      utcDay: dayKey(NOW, "UTC"),
      dailyCap: 30,
      display: { ...DEFAULT_DISPLAY, outfit },
    });

  it("names the outfit from .github/dash.yml when going back to auto", async () => {
    // 60 XP: level 3, so summer is the newest unlocked outfit.
    await feedWithOutfit(6, "normal");
    firstEvent("outfit: normal\n");
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash wear summer");
    expect(lastReply()).toBe("👗 Dash now wears **summer**.");
    expect((await loadRepoDash(store, OWNER, REPO, { now: NOW }))?.state.outfit).toBe("summer");
    expectReply();
    await say("/dash wear auto");
    expect(lastReply()).toBe("👗 Dash wears the outfit set in `.github/dash.yml` again (**normal**).");
    expect((await loadRepoDash(store, OWNER, REPO, { now: NOW }))?.state.outfit).toBe("normal");
  });

  it("falls back to the newest unlocked outfit while the configured one is locked", async () => {
    await feedWithOutfit(2, "winter");
    firstEvent("outfit: winter\n");
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash wear auto");
    expect(lastReply()).toBe("👗 Dash wears its newest unlocked outfit again (**spring** for now).");
    expect((await loadRepoDash(store, OWNER, REPO, { now: NOW }))?.state.outfit).toBe("spring");
  });

  it("refuses a reader, and says why", async () => {
    await fed(2);
    firstEvent();
    mockPermission("Codertocat", "read");
    expectReply();
    await say("/dash wear spring");
    expect(lastReply()).toBe(
      "Sorry, only people with **write** access to this repository can use `/dash wear` (you have read access).",
    );
    expect((await store.getRepo(OWNER, REPO))?.outfit).toBeNull();
  });

  it("refuses someone who is not a collaborator at all", async () => {
    firstEvent();
    nock(API).get(`/repos/${OWNER}/${REPO}/collaborators/mallory/permission`).reply(404, { message: "Not Found" });
    expectReply();
    await say("/dash name Mallory's", { user: { login: "mallory", id: 666, type: "User" } });
    expect(lastReply()).toBe(
      "Sorry, only people with **write** access to this repository can use `/dash name` (you have no access).",
    );
    expect((await store.getRepo(OWNER, REPO))?.dashName ?? null).toBeNull();
  });

  it("renames Dash with a cleaned, length-limited name", async () => {
    firstEvent();
    mockPermission("Codertocat", "admin");
    expectReply();
    await say("/dash name @octocat <b>Bob</b> [x](https://e.x)");
    expect(lastReply()).toBe("✏️ Dash is now called **octocat bBobb xhttpse.x**.");
    expect((await store.getRepo(OWNER, REPO))?.dashName).toBe("octocat bBobb xhttpse.x");
    expectReply();
    await say(`/dash name ${"x".repeat(41)}`);
    expect(lastReply()).toBe("That name is too long: Dash answers to at most 40 characters.");
    expectReply();
    await say("/dash name <@#>");
    expect(lastReply()).toBe(
      "That name has nothing left once symbols are removed. Use letters, numbers, spaces and `- _ . ' ! ? ~`.",
    );
    expectReply();
    await say("/dash name reset");
    expect(lastReply()).toBe("✏️ Dash's name is back to **Dash** (from `.github/dash.yml`, or the default).");
    expect((await store.getRepo(OWNER, REPO))?.dashName).toBeNull();
  });
});

describe("/dash optout and /dash optin (everyone)", () => {
  it("removes and brings back the commenter, without asking GitHub for permissions", async () => {
    await fed(2);
    firstEvent();
    expectReply();
    await say("/dash optout");
    expect(lastReply()).toBe(
      "👋 Done: you are no longer listed in Dash's comments or on this repository's leaderboard. Your foods still count for Dash. Comment `/dash optin` to come back.",
    );
    expect(await store.isOptedOut(REPO_REF.id, "Codertocat")).toBe(true);
    expect((await app.get(`/api/v1/repos/${OWNER}/${REPO}`)).json()).toMatchObject({ xp: 20, contributors: [] });
    expectReply();
    await say("/dash optin");
    expect(lastReply()).toBe("🎉 Welcome back: you are listed in Dash's comments and on the leaderboard again.");
    expect(await store.isOptedOut(REPO_REF.id, "Codertocat")).toBe(false);
  });
});

describe("/dash badge (write) and /dash badge rotate (admin)", () => {
  it("gives a writer the README snippets; a public repo's links carry no token", async () => {
    firstEvent();
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash badge");
    const reply = lastReply();
    expect(reply.startsWith("Put Dash in your README with one of these:\n\n**SVG card**\n\n```markdown\n")).toBe(true);
    expect(reply).toContain(`(http://dash.test/dash/${OWNER}/${REPO}.svg)`);
    expect(reply).toContain('<picture>\n  <source media="(prefers-color-scheme: dark)"');
    expect(reply).toContain("https://img.shields.io/endpoint?url=");
    expect(reply).not.toContain("token");
  });

  it("includes the badge token for a private repo, and only an admin can rotate it", async () => {
    firstEvent();
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash badge", { private: true });
    const token = (await store.getRepo(OWNER, REPO))?.badgeToken;
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(lastReply()).toContain(`.svg?token=${token})`);
    expect(lastReply()).toContain("🔑 This repository is private, so these links carry its badge token");

    expectReply();
    await say("/dash badge rotate", { private: true });
    expect(lastReply()).toBe(
      "Sorry, only people with **admin** access to this repository can use `/dash badge rotate` (you have write access).",
    );
    expect((await store.getRepo(OWNER, REPO))?.badgeToken).toBe(token);
  });

  it("rotates the token for an admin", async () => {
    firstEvent();
    mockPermission("Codertocat", "admin");
    await store.upsertRepo({ ...REPO_REF, private: true });
    const before = (await store.getRepo(OWNER, REPO))?.badgeToken;
    // The cards kept for outages are told to forget the old token (here and, by the bus, elsewhere).
    const told: (number | null)[] = [];
    app.settings.onAccessChange((id) => told.push(id));
    expectReply();
    await say("/dash badge rotate", { private: true });
    const after = (await store.getRepo(OWNER, REPO))?.badgeToken;
    expect(after).not.toBe(before);
    expect(told).toEqual([REPO_REF.id]);
    expect(lastReply()).toContain("🔑 New badge token issued: the old links no longer show Dash.");
    expect(lastReply()).toContain(`.png?token=${after})`);
    expectReply();
    await say("/dash badge rotate");
    expect(lastReply()).toBe("This repository is public: its badge needs no token, so there is nothing to rotate.");
    expect(told).toEqual([REPO_REF.id]);
  });

  it("refuses a reader", async () => {
    firstEvent();
    mockPermission("Codertocat", "read");
    expectReply();
    await say("/dash badge");
    expect(lastReply()).toBe(
      "Sorry, only people with **write** access to this repository can use `/dash badge` (you have read access).",
    );
  });
});

describe("who Dash answers", () => {
  it("never answers a bot, nor its own comments", async () => {
    await say("/dash help", { user: { login: "dependabot[bot]", id: 1, type: "Bot" } });
    await say("/dash help", { user: { login: "someone[bot]", id: 2, type: "User" } });
    const own = comment("/dash help", { login: "repositori[bot]", id: 3, type: "Bot" });
    (own.comment as Payload).performed_via_github_app = { id: 1 };
    // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
    await app.probot?.receive({ id: randomUUID(), name: "issue_comment", payload: own } as any);
    expect(replies.bodies).toEqual([]);
  });

  it("ignores comments without a command, and commands quoted, in code or hidden", async () => {
    await say("Thanks! I'll run /dash later.");
    await say("> /dash optout\n\n```\n/dash optout\n```");
    await say("Example:\n\n    /dash optout");
    await say("<!--\n/dash optout\n-->");
    expect(await store.isOptedOut(REPO_REF.id, "Codertocat")).toBe(false);
  });

  it("stays quiet where Dash is not fed", async () => {
    const payload = comment("/dash help");
    (payload.repository as Payload).language = "Go";
    firstEvent();
    nock(API).get(`/repos/${OWNER}/${REPO}/languages`).reply(200, { Go: 1000 });
    // biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON
    await app.probot?.receive({ id: randomUUID(), name: "issue_comment", payload } as any);
    expect(replies.bodies).toEqual([]);
  });

  it("stops answering a user who sends too many commands", async () => {
    firstEvent();
    for (let i = 0; i < 5; i++) expectReply();
    for (let i = 0; i < 6; i++) await say("/dash help");
    expect(replies.bodies).toHaveLength(5);
  });
});

describe("Japanese replies", () => {
  it("answers in the repo's locale", async () => {
    firstEvent("locale: ja\n");
    expectReply();
    await say("/dash");
    expect(lastReply()).toBe(
      "Dashはこのリポジトリでまだ何も食べていません。コミット、Issue、プルリクエスト、レビューでごはんをあげましょう！🍛",
    );
    mockPermission("Codertocat", "read");
    expectReply();
    await say("/dash wear 夏");
    expect(lastReply()).toBe(
      "ごめんなさい、`/dash wear` はこのリポジトリに**書き込み**権限がある人だけが使えます（あなたの権限: 読み取り）。",
    );
    expectReply();
    await say("/dash optout");
    expect(lastReply()).toBe(
      "👋 このリポジトリのDashのコメントとランキングにあなたの名前を出さないようにしました。食べさせた分はDashに残ります。戻すには `/dash optin` とコメントしてください。",
    );
  });

  it("accepts Japanese outfit names", async () => {
    await fed(2);
    firstEvent("locale: ja\n");
    mockPermission("Codertocat", "write");
    expectReply();
    await say("/dash wear 春");
    expect(lastReply()).toBe("👗 Dashは **春** の衣装に着替えました。");
    expect((await store.getRepo(OWNER, REPO))?.outfit).toBe("spring");
  });
});
