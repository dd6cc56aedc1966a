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

/**
 * The first `/dash` command that starts a line of `body`, or null. Lines in fenced code blocks and
 * quotes are skipped, so quoting someone's command (or the help text) does not run it again.
 */
export function parseCommand(body: string): DashCommand | null {
  let fence: string | null = null;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    const opener = FENCE.exec(line)?.[1];
    if (fence) {
      if (opener && opener[0] === fence[0] && opener.length >= fence.length) fence = null;
      continue;
    }
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
