import { describe, expect, it } from "vitest";
import {
  cleanText,
  codeSpan,
  defuse,
  inlineText,
  problemText,
  safeUrl,
  truncate,
} from "../../src/comments/markdown.js";

const ZWSP = "\u200b";

describe("inlineText: untrusted text renders literally and pings no one", () => {
  it("neutralises @mentions, team mentions and emails", () => {
    expect(inlineText("hi @octocat and @github/security")).toBe(`hi @${ZWSP}octocat and @${ZWSP}github/security`);
    expect(inlineText("mail me@example.com")).toBe(`mail me@${ZWSP}example.com`);
  });

  it("breaks issue references and autolinks", () => {
    expect(defuse("fixes #12, octo/repo#3 and GH-7")).toBe(`fixes #${ZWSP}12, octo/repo#${ZWSP}3 and GH-${ZWSP}7`);
    expect(defuse("see https://evil.example and www.evil.example")).toBe(
      `see https:${ZWSP}//evil.example and www${ZWSP}.evil.example`,
    );
  });

  it("escapes Markdown links, images, emphasis, code, tables and math", () => {
    expect(inlineText("[click](https://evil.example)")).toBe(`\\[click\\]\\(https:${ZWSP}//evil.example\\)`);
    expect(inlineText("![x](y) *b* _i_ `c` a|b ~s~ $m$")).toBe(
      "\\!\\[x\\]\\(y\\) \\*b\\* \\_i\\_ \\`c\\` a\\|b \\~s\\~ \\$m\\$",
    );
  });

  it("escapes HTML so no tag or comment survives", () => {
    expect(inlineText('<img src=x onerror="alert(1)"> <!-- repositori:dash -->')).toBe(
      "&lt;img src=x onerror=&quot;alert\\(1\\)&quot;&gt; &lt;\\!-- repositori:dash --&gt;",
    );
  });

  it("folds newlines so no heading, list or quote can start, and drops control and bidi characters", () => {
    expect(inlineText("a\n# heading\n> quote\r\n- item")).toBe(`a #${ZWSP} heading &gt; quote - item`);
    expect(inlineText("# title")).toBe(`#${ZWSP} title`);
    expect(inlineText("- item")).toBe("\\- item");
    expect(cleanText("ab\u202Ecd\u0007e\u200bf")).toBe("abcdef");
  });

  it("limits length by characters, not bytes", () => {
    expect(truncate("ずんだもん", 3)).toBe("ずん…");
    expect(inlineText("x".repeat(300), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("codeSpan and problemText", () => {
  it("a code span cannot be closed early", () => {
    expect(codeSpan("a`b|c")).toBe("`a'b¦c`");
    expect(codeSpan("")).toBe("` `");
  });

  it("config problems keep their setting names as code and the rest as plain text", () => {
    expect(problemText("`timezone`: is not an IANA time zone such as UTC or Asia/Tokyo")).toBe(
      "`timezone`: is not an IANA time zone such as UTC or Asia/Tokyo",
    );
    expect(problemText("`@x[y](z)`: unknown setting (ignored) @team")).toBe(
      `\`@x[y](z)\`: unknown setting \\(ignored\\) @${ZWSP}team`,
    );
    expect(problemText("`a` `b` then `c`")).toBe("`a` `b` then `c`");
  });
});

describe("safeUrl", () => {
  it("keeps http(s) links and encodes characters that could end a Markdown link", () => {
    expect(safeUrl("https://dash.test/a.mp3?x=(1)")).toBe("https://dash.test/a.mp3?x=%281%29");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    expect(safeUrl(undefined)).toBeNull();
  });
});
