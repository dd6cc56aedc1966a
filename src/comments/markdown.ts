/**
 * Neutralisers for text we did not write (logins, PR titles, Dash's name, config keys, generated
 * reactions) before it goes into a GitHub comment: it must never ping anyone, never link anywhere,
 * never render as Markdown or HTML.
 */

const ZWSP = "\u200b";

// Control characters, and invisible format characters that could hide or reorder text (bidi overrides).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// ASCII punctuation that means something inline in GitHub Markdown (emphasis, links, code, tables, math).
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()~|!$^{}]/g;
const HTML_ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" };

/** Strips control and invisible characters and folds all whitespace (newlines too) into single spaces. */
export function cleanText(input: unknown): string {
  return String(input ?? "")
    .normalize("NFC")
    .replace(/[\t\n\r]/g, " ")
    .replace(CONTROL, "")
    .replace(INVISIBLE, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Cuts `text` to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Breaks the patterns GitHub turns into mentions, issue references and automatic links. */
export function defuse(text: string): string {
  return (
    text
      // @user, @org/team and emails: a zero-width space after @ is invisible but no longer a mention.
      .replace(/@/g, `@${ZWSP}`)
      // #123, owner/repo#123 and GH-123 cross-references (they notify the referenced issue).
      .replace(/#/g, `#${ZWSP}`)
      .replace(/\bGH-(?=\d)/gi, (m) => `${m}${ZWSP}`)
      // https://…, ftp://… and www.… autolinks.
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
  );
}

/** Escapes Markdown and HTML metacharacters so the text renders literally. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[<>&"']/g, (c) => HTML_ENTITIES[c] ?? c)
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/^([-+=>]|\d+[.)])/, (m) => `\\${m}`);
}

/**
 * Untrusted text as one inline run of plain text: cleaned, length-limited, no mentions, no
 * references, no links, no Markdown, no HTML.
 */
export function inlineText(input: unknown, max = 200): string {
  return escapeMarkdown(defuse(truncate(cleanText(input), max)));
}

/** Untrusted text as an inline code span (mentions and Markdown are inert inside code). */
export function codeSpan(input: unknown, max = 80): string {
  const text = truncate(cleanText(input), max).replace(/`/g, "'").replace(/\|/g, "¦");
  return text === "" ? "` `" : `\`${text}\``;
}

/**
 * A problem line such as "`timezone`: is not an IANA time zone" from the config validator: the
 * back-quoted parts (setting names, which come from the user's file) become safe code spans, the rest
 * plain text.
 */
export function problemText(input: unknown, max = 300): string {
  const parts = truncate(cleanText(input), max).split("`");
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return codeSpan(part);
      // Keep the spaces around code spans that inlineText would trim (two spans must never touch).
      const text = inlineText(part, max);
      if (!text) return part ? " " : "";
      return `${/^\s/.test(part) ? " " : ""}${text}${/\s$/.test(part) ? " " : ""}`;
    })
    .join("");
}

/** An http(s) URL safe inside `(…)` of a Markdown link or image; null for anything else. */
export function safeUrl(input: unknown): string | null {
  let url: URL;
  try {
    url = new URL(String(input ?? ""));
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  return url.href.replace(/[()<>\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}
