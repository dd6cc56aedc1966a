import { describe, expect, it } from "vitest";
import { sanitizeDashName } from "../../src/commands/dash-name.js";
import { parseCommand } from "../../src/commands/parse.js";
import { accessOf, hasAccess } from "../../src/commands/permissions.js";
import { CommandRateLimit } from "../../src/commands/rate-limit.js";

describe("parseCommand", () => {
  it("reads each command and its argument", () => {
    expect(parseCommand("/dash")).toEqual({ kind: "status" });
    expect(parseCommand("  /DASH status ")).toEqual({ kind: "status" });
    expect(parseCommand("/dash help")).toEqual({ kind: "help" });
    expect(parseCommand("/dash wear Summer")).toEqual({ kind: "wear", outfit: "Summer" });
    expect(parseCommand("/dash wear")).toEqual({ kind: "usage", command: "wear" });
    expect(parseCommand("/dash name  Dash  the Great ")).toEqual({ kind: "name", name: "Dash  the Great" });
    expect(parseCommand("/dash name")).toEqual({ kind: "usage", command: "name" });
    expect(parseCommand("/dash optout")).toEqual({ kind: "optout" });
    expect(parseCommand("/dash opt-in")).toEqual({ kind: "optin" });
    expect(parseCommand("/dash badge")).toEqual({ kind: "badge", rotate: false });
    expect(parseCommand("/dash badge rotate")).toEqual({ kind: "badge", rotate: true });
    expect(parseCommand("/dash badge now")).toEqual({ kind: "unknown", text: "badge now" });
    expect(parseCommand("/dash dance")).toEqual({ kind: "unknown", text: "dance" });
  });

  it("finds the command on any line, and only the first one", () => {
    expect(parseCommand("Thanks!\r\n/dash wear spring\n/dash optout")).toEqual({ kind: "wear", outfit: "spring" });
  });

  it("ignores lookalikes, quotes and code blocks", () => {
    expect(parseCommand("/dashboard")).toBeNull();
    expect(parseCommand("see /dash help")).toBeNull();
    expect(parseCommand("> /dash optout")).toBeNull();
    expect(parseCommand("```\n/dash optout\n```")).toBeNull();
    expect(parseCommand("~~~~md\n/dash optout\n~~~\n/dash still fenced\n~~~~\n/dash help")).toEqual({ kind: "help" });
    expect(parseCommand("")).toBeNull();
  });

  it("ignores indented code blocks", () => {
    expect(parseCommand("    /dash name Indented")).toBeNull();
    expect(parseCommand("\t/dash name Indented")).toBeNull();
    expect(parseCommand("  \t/dash optout")).toBeNull();
    expect(parseCommand("Example:\n\n     /dash optout\n\n   /dash help")).toEqual({ kind: "help" });
  });

  it("does not let an indented or labelled fence end a fenced block early", () => {
    expect(parseCommand("```\n    ```\n/dash optout\n```")).toBeNull();
    expect(parseCommand("```\n```js\n/dash optout\n```")).toBeNull();
    expect(parseCommand("```\ncode\n   ```  \n/dash help")).toEqual({ kind: "help" });
  });

  it("ignores commands hidden in HTML comments", () => {
    expect(parseCommand("<!--\n/dash name Hidden\n-->")).toBeNull();
    expect(parseCommand("<!-- /dash optout -->")).toBeNull();
    expect(
      parseCommand("Thanks!\n<!-- note -->\n<!--\n/dash optout\n-->\n<!-- /dash optin --> <!--\n/dash badge\n-->"),
    ).toBeNull();
    expect(parseCommand("<!--\n```\n-->\n/dash help\n```")).toEqual({ kind: "help" });
    expect(parseCommand("```\n<!--\n```\n/dash help\n-->")).toEqual({ kind: "help" });
    expect(parseCommand("<!-- a --><!-- b -->\n/dash help")).toEqual({ kind: "help" });
    expect(parseCommand("<!-->\n/dash help")).toEqual({ kind: "help" });
  });

  it("reads what is left of a line once its comments are removed", () => {
    expect(parseCommand("/dash wear summer <!-- for the party -->")).toEqual({ kind: "wear", outfit: "summer" });
    expect(parseCommand("<!--\nhidden\n--> /dash help")).toEqual({ kind: "help" });
    expect(parseCommand("<!-- a --> /dash name Foo<!-- b -->Bar")).toEqual({ kind: "name", name: "FooBar" });
    expect(parseCommand("<!-- a -->    /dash help")).toBeNull();
  });
});

describe("sanitizeDashName", () => {
  it("keeps letters of any script, digits, spaces and light punctuation", () => {
    expect(sanitizeDashName("  Dash-chan  ２号 ")).toEqual({ ok: true, name: "Dash-chan ２号" });
    expect(sanitizeDashName("ずんだ☆ダッシュ!")).toEqual({ ok: true, name: "ずんだ☆ダッシュ!" });
  });

  it("drops mentions, markup and link syntax instead of storing them", () => {
    expect(sanitizeDashName("@octocat <b>Dash</b> [x](https://e.x)")).toEqual({
      ok: true,
      name: "octocat bDashb xhttpse.x",
    });
    expect(sanitizeDashName("Da\u202Esh\u200b")).toEqual({ ok: true, name: "Dash" });
  });

  it("refuses an empty or too long name", () => {
    expect(sanitizeDashName("@#<>")).toEqual({ ok: false, reason: "empty" });
    expect(sanitizeDashName("...")).toEqual({ ok: false, reason: "empty" });
    expect(sanitizeDashName("x".repeat(41))).toEqual({ ok: false, reason: "too-long" });
    expect(sanitizeDashName("x".repeat(40))).toEqual({ ok: true, name: "x".repeat(40) });
  });
});

describe("permissions", () => {
  it("maps GitHub's permission field to the access Dash checks", () => {
    expect(accessOf("admin")).toBe("admin");
    expect(accessOf("maintain")).toBe("write");
    expect(accessOf("write")).toBe("write");
    expect(accessOf("triage")).toBe("read");
    expect(accessOf("read")).toBe("read");
    expect(accessOf("none")).toBe("none");
    expect(accessOf(undefined)).toBe("none");
    expect(hasAccess("admin", "write")).toBe(true);
    expect(hasAccess("write", "admin")).toBe(false);
    expect(hasAccess("read", "write")).toBe(false);
  });
});

describe("CommandRateLimit", () => {
  it("allows a few commands per user and repo, then waits for the window to pass", () => {
    let now = 0;
    const limit = new CommandRateLimit({ max: 2, windowMs: 1000, now: () => now });
    expect(limit.allow(1, "octocat")).toBe(true);
    expect(limit.allow(1, "OctoCat")).toBe(true);
    expect(limit.allow(1, "octocat")).toBe(false);
    expect(limit.allow(2, "octocat")).toBe(true);
    expect(limit.allow(1, "hubot")).toBe(true);
    now = 1000;
    expect(limit.allow(1, "octocat")).toBe(true);
  });
});
