import { describe, expect, it } from "vitest";
import type { CommentModel } from "../../src/comments/model.js";
import { COMMENT_MARKER, foodList, renderComment } from "../../src/comments/render-comment.js";

const ZWSP = "\u200b";

function model(overrides: Partial<CommentModel> = {}): CommentModel {
  return {
    locale: "en",
    dashName: "Dash",
    level: 3,
    xp: 80,
    xpToNextLevel: 60,
    mood: "happy",
    outfit: "summer",
    cardUrl: "http://dash.test/dash/o/r.svg?v=abc",
    fed: { curry: 3, tteokbokki: 1 },
    contributors: [
      { login: "octocat", level: 3, xpFromPr: 30, levelledUp: true },
      { login: "hubot", level: 1, xpFromPr: 10, levelledUp: false },
    ],
    moreContributors: 0,
    levelUpFrom: 2,
    newOutfits: ["summer"],
    merged: false,
    problems: [],
    reaction: null,
    ...overrides,
  };
}

describe("renderComment", () => {
  it("renders the full English comment", () => {
    expect(renderComment(model())).toBe(
      [
        COMMENT_MARKER,
        "![Dash, level 3, happy](http://dash.test/dash/o/r.svg?v=abc)",
        "",
        "### 😊 Dash is happy · level 3 · 60 XP to level 4",
        "",
        "**This PR fed Dash:** 3 × curry, 1 × tteokbokki → **+40 XP**  ",
        "🎉 **Level up!** Dash went from level 2 to level 3.  ",
        "👗 **New outfit unlocked:** summer. Try `/dash wear <outfit>`.",
        "",
        "| Contributor | Level | Fed in this PR |",
        "| --- | --- | --- |",
        "| octocat | 3 ⬆️ level up! | +30 XP |",
        "| hubot | 1 | +10 XP |",
        "",
        "<sub>Dash eats commits, issues, pull requests and reviews in this Dart repository. Comment `/dash help` for commands.</sub>",
        "",
      ].join("\n"),
    );
  });

  it("renders Japanese", () => {
    const text = renderComment(model({ locale: "ja", mood: "peckish", merged: true, contributors: [] }));
    expect(text).toBe(
      [
        COMMENT_MARKER,
        "![Dash、レベル3、小腹がすいた](http://dash.test/dash/o/r.svg?v=abc)",
        "",
        "### 🙂 Dashは小腹がすいた · レベル3 · レベル4まであと60 XP",
        "",
        "**このPRでDashが食べたもの:** 3 × カレー、1 × トッポッキ → **+40 XP**  ",
        "マージされました。ごちそうさま！🎉  ",
        "🎉 **レベルアップ！** Dashはレベル2からレベル3になりました。  ",
        "👗 **新しい衣装:** 夏。`/dash wear <衣装>` で着替えられます。",
        "",
        "<sub>このDartリポジトリのコミット、Issue、プルリクエスト、レビューがDashのごはんになります。コマンドは `/dash help` で。</sub>",
        "",
      ].join("\n"),
    );
  });

  it("neutralises Dash's name and logins: no mention, no link, no HTML", () => {
    const text = renderComment(
      model({
        dashName: "@org/team <b>x</b> [y](https://e.x)",
        contributors: [{ login: "@octocat|x", level: 1, xpFromPr: 10, levelledUp: false }],
        levelUpFrom: null,
        newOutfits: [],
      }),
    );
    const safeName = `@${ZWSP}org/team &lt;b&gt;x&lt;/b&gt; \\[y\\]\\(https:${ZWSP}//e.x\\)`;
    expect(text).toContain(`### 😊 ${safeName} is happy · level 3`);
    expect(text).toContain(`**This PR fed ${safeName}:**`);
    expect(text).toContain(`| @${ZWSP}octocat\\|x | 1 | +10 XP |`);
    expect(text).not.toMatch(/@(?!\u200b)/);
    expect(text).not.toContain("<b>");
    expect(text).not.toContain("](https://e.x");
  });

  it("puts config problems on one line, with at most three spelled out", () => {
    const problems = ["`timezone`: is not an IANA time zone", "`foo`: unknown setting (ignored)", "`a`: x", "`b`: y"];
    const lines = renderComment(model({ problems })).split("\n");
    const line = lines.find((l) => l.startsWith("⚠️"));
    expect(line).toBe(
      "⚠️ `.github/dash.yml` has problems, defaults are used instead: `timezone`: is not an IANA time zone; `foo`: unknown setting \\(ignored\\); `a`: x (+1)",
    );
  });

  it("quotes the spoken reaction with the audio link and its credit", () => {
    const text = renderComment(
      model({
        reaction: {
          text: "Yum, @octocat! Thanks for the curry.",
          audioUrl: "https://blobs.dash.test/audio/1.mp3",
          credit: "VOICEVOX:ずんだもん",
          note: "voice budget reached today",
        },
      }),
    );
    expect(text).toContain(
      [
        `> 💬 “Yum, @${ZWSP}octocat\\! Thanks for the curry.”`,
        ">",
        "> 🔊 [Listen](https://blobs.dash.test/audio/1.mp3) (VOICEVOX:ずんだもん)",
        ">",
        "> <sub>voice budget reached today</sub>",
        "",
      ].join("\n"),
    );
  });

  it("drops an audio link that is not http(s)", () => {
    const text = renderComment(model({ reaction: { text: "Hi", audioUrl: "javascript:alert(1)" } }));
    expect(text).toContain("> 💬 “Hi”\n\n");
    expect(text).not.toContain("javascript");
  });

  it("says so when the PR has fed nothing, and lists more contributors briefly", () => {
    const text = renderComment(model({ fed: {}, levelUpFrom: null, newOutfits: [], moreContributors: 4 }));
    expect(text).toContain("**This PR has not fed Dash yet** (bots, and foods over today's cap, do not count).\n");
    expect(text).toContain("| hubot | 1 | +10 XP |\n\n…and 4 more.\n");
  });

  it("lists foods in a fixed order", () => {
    expect(foodList({ feast: 5, curry: 2, mapo_tofu: 2 }, "en")).toBe("2 × curry, 2 × mapo tofu, 5 × feast");
  });
});
