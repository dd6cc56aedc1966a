import { createHash } from "node:crypto";
import type { DashState } from "../domain/state.js";

/**
 * Links to the App's card routes (`/dash/{owner}/{repo}.svg|png`) and the README snippets that embed
 * them. Adapter: the card area owns these links (src/render/links.ts); until that module exists this
 * file builds the same URLs itself, so comments and commands have one place to switch over.
 */

export interface CardLinkOptions {
  /** The badge token of a private repository. */
  token?: string | null;
  format?: "svg" | "png";
  theme?: "light" | "dark";
}

/** One way to put Dash in a README: a title and the text to paste. */
export interface ReadmeSnippet {
  title: string;
  /** Code fence language of `code` (`markdown`, `html`). */
  language: string;
  code: string;
}

function base(publicUrl: string, owner: string, repo: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/dash/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

/** A short hash of what the card shows, so GitHub's image proxy (camo) fetches a new image when it changes. */
export function cardVersion(state: DashState): string {
  const shown = [state.name, state.level, state.xp, state.mood, state.outfit, state.background, state.foodsToday];
  return createHash("sha256").update(JSON.stringify(shown)).digest("hex").slice(0, 12);
}

/** The card image URL with a version parameter (and `token=` for private repos). */
export function cardUrl(
  publicUrl: string,
  owner: string,
  repo: string,
  state: DashState,
  opts: CardLinkOptions = {},
): string {
  const params = new URLSearchParams({ v: cardVersion(state) });
  if (opts.theme) params.set("theme", opts.theme);
  if (opts.token) params.set("token", opts.token);
  return `${base(publicUrl, owner, repo)}.${opts.format ?? "svg"}?${params}`;
}

/** README snippets for a repo's badge: SVG, PNG, dark-mode `<picture>` and a shields.io badge. */
export function readmeSnippets(publicUrl: string, owner: string, repo: string, token?: string | null): ReadmeSnippet[] {
  const q = (extra: Record<string, string> = {}) => {
    const params = new URLSearchParams(extra);
    if (token) params.set("token", token);
    const text = params.toString();
    return text ? `?${text}` : "";
  };
  const root = base(publicUrl, owner, repo);
  const alt = `Dash, the Dart mascot, fed by ${owner}/${repo}`;
  const shieldsSource = `${root}.json${q()}`;
  return [
    { title: "SVG", language: "markdown", code: `![${alt}](${root}.svg${q()})` },
    { title: "PNG", language: "markdown", code: `![${alt}](${root}.png${q()})` },
    {
      title: "Dark mode",
      language: "html",
      code: [
        "<picture>",
        `  <source media="(prefers-color-scheme: dark)" srcset="${root}.svg${q({ theme: "dark" })}">`,
        `  <img alt="${alt}" src="${root}.svg${q()}">`,
        "</picture>",
      ].join("\n"),
    },
    {
      title: "Shields",
      language: "markdown",
      code: `![Dash](https://img.shields.io/endpoint?url=${encodeURIComponent(shieldsSource)})`,
    },
  ];
}
