/** A `/dash …` command found in a comment. */
export type DashCommand =
  | { kind: "status" }
  | { kind: "help" }
  | { kind: "wear"; outfit: string }
  | { kind: "name"; name: string }
  | { kind: "optout" }
  | { kind: "optin" }
  | { kind: "badge"; rotate: boolean }
  /** A known command without its argument (`/dash wear`, `/dash name`). */
  | { kind: "usage"; command: "wear" | "name" }
  | { kind: "unknown"; text: string };

export type CommandKind = DashCommand["kind"];

const COMMAND_LINE = /^\/dash(?:\s+(.*))?$/i;
const FENCE = /^(`{3,}|~{3,})/;
// A closing fence carries no info string: "```js" inside a block is code, not its end.
const FENCE_CLOSE = /^(`{3,}|~{3,})\s*$/;
// Four columns of indentation (a tab reaches the next multiple of four) make an indented code block,
// and also keep a fence from opening or closing.
const CODE_INDENT = /^(?: {0,3}\t| {4})/;
const COMMENT_OPEN = "<!--";
const COMMENT_CLOSE = "-->";

/**
 * The first `/dash` command that starts a line of `body`, or null. Lines in fenced or indented code
 * blocks and quotes are skipped, so quoting someone's command (or the help text) does not run it
 * again; so is text inside HTML comments, which the rendered comment does not show.
 */
export function parseCommand(body: string): DashCommand | null {
  let fence: string | null = null;
  let inComment = false;
  for (const raw of body.split(/\r?\n/)) {
    if (fence) {
      const closer = CODE_INDENT.test(raw) ? undefined : FENCE_CLOSE.exec(raw.trim())?.[1];
      if (closer && closer[0] === fence[0] && closer.length >= fence.length) fence = null;
      continue;
    }
    const visible = withoutComments(raw, inComment);
    inComment = visible.open;
    if (CODE_INDENT.test(visible.text)) continue;
    const line = visible.text.trim();
    const opener = FENCE.exec(line)?.[1];
    if (opener) {
      fence = opener;
      continue;
    }
    if (line.startsWith(">")) continue;
    const match = COMMAND_LINE.exec(line);
    if (match) return commandOf((match[1] ?? "").trim());
  }
  return null;
}

/**
 * `line` without its HTML comments, given whether a comment is still open from the lines before;
 * `open` says whether one is still open at the end of the line.
 */
function withoutComments(line: string, open: boolean): { text: string; open: boolean } {
  let text = "";
  let rest = line;
  let inside = open;
  for (;;) {
    if (inside) {
      const end = rest.indexOf(COMMENT_CLOSE);
      if (end < 0) return { text, open: true };
      rest = rest.slice(end + COMMENT_CLOSE.length);
      inside = false;
    }
    const start = rest.indexOf(COMMENT_OPEN);
    if (start < 0) return { text: text + rest, open: false };
    text += rest.slice(0, start);
    // From the opener's second dash: browsers read `<!-->` and `<!--->` as complete, empty comments.
    rest = rest.slice(start + 2);
    inside = true;
  }
}

function commandOf(args: string): DashCommand {
  const [word = "", ...restWords] = args.split(/\s+/);
  const rest = args.slice(word.length).trim();
  switch (word.toLowerCase()) {
    case "":
    case "status":
      return rest === "" ? { kind: "status" } : { kind: "unknown", text: args };
    case "help":
      return { kind: "help" };
    case "wear":
      return restWords[0] ? { kind: "wear", outfit: restWords[0] } : { kind: "usage", command: "wear" };
    case "name":
      return rest ? { kind: "name", name: rest } : { kind: "usage", command: "name" };
    case "optout":
    case "opt-out":
      return { kind: "optout" };
    case "optin":
    case "opt-in":
      return { kind: "optin" };
    case "badge":
      if (rest === "") return { kind: "badge", rotate: false };
      if (rest.toLowerCase() === "rotate") return { kind: "badge", rotate: true };
      return { kind: "unknown", text: args };
    default:
      return { kind: "unknown", text: args };
  }
}
