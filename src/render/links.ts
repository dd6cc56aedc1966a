import { createHash } from "node:crypto";
import type { DashState } from "../domain/state.js";
import type { CardOptions } from "./options.js";
import { escapeXml } from "./text.js";

export interface CardUrlOptions extends Partial<CardOptions> {
  format?: "svg" | "png" | "json";
  /** A private repo's badge token. */
  token?: string | null;
}

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, "");

function repoCardPath(owner: string, repo: string, format: string): string {
  return `/dash/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}.${format}`;
}

function withQuery(url: string, params: [string, string | null | undefined][]): string {
  const query = params
    .filter((p): p is [string, string] => typeof p[1] === "string" && p[1] !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  return query ? `${url}?${query}` : url;
}

/** A short hash of what a state shows, so a URL changes whenever the card would. */
export function stateVersion(state: DashState): string {
  return createHash("sha256").update(JSON.stringify(state)).digest("base64url").slice(0, 10);
}

/**
 * The URL of a repo's card with a version parameter derived from `state`: GitHub's image proxy caches
 * by URL, so a PR comment that links the new version shows the new card at once.
 */
export function cardUrl(
  publicUrl: string,
  owner: string,
  repo: string,
  state: DashState | null,
  opts: CardUrlOptions = {},
): string {
  return withQuery(`${base(publicUrl)}${repoCardPath(owner, repo, opts.format ?? "svg")}`, [
    ["theme", opts.theme === "dark" ? "dark" : null],
    ["lang", opts.lang === "ja" ? "ja" : null],
    ["style", opts.style === "badge" ? "badge" : null],
    ["scale", opts.scale === 2 && opts.format === "png" ? "2" : null],
    ["token", opts.token],
    ["v", state ? stateVersion(state) : null],
  ]);
}

/** One way to put Dash in a README: a title and the text to paste. */
export interface ReadmeSnippet {
  title: string;
  /** Code fence language of `code` (`markdown` or `html`). */
  language: "markdown" | "html";
  code: string;
}

/**
 * The README snippets for a repo's Dash: SVG card, PNG card, a `<picture>` that follows GitHub's
 * light/dark mode, Japanese, the compact badge and a shields.io badge. With `token` for a private
 * repo (whoever can read the README can then see the card, so keep such READMEs private too).
 */
export function readmeSnippets(publicUrl: string, owner: string, repo: string, token?: string | null): ReadmeSnippet[] {
  const url = (o: CardUrlOptions) => cardUrl(publicUrl, owner, repo, null, { ...o, token });
  const alt = `Dash, the Dart mascot, fed by ${owner}/${repo}`;
  const light = url({});
  const dark = url({ theme: "dark" });
  const endpoint = url({ format: "json" });
  const attr = escapeXml;
  return [
    { title: "SVG card", language: "markdown", code: `![${alt}](${light})` },
    { title: "PNG card", language: "markdown", code: `![${alt}](${url({ format: "png" })})` },
    {
      title: "Light and dark (follows GitHub's colour mode)",
      language: "html",
      code: [
        "<picture>",
        `  <source media="(prefers-color-scheme: dark)" srcset="${attr(dark)}">`,
        `  <source media="(prefers-color-scheme: light)" srcset="${attr(light)}">`,
        `  <img alt="${attr(alt)}" src="${attr(light)}" width="600" height="200">`,
        "</picture>",
      ].join("\n"),
    },
    { title: "Japanese", language: "markdown", code: `![ダッシュ（${owner}/${repo}）](${url({ lang: "ja" })})` },
    { title: "Badge (for a README header)", language: "markdown", code: `![Dash](${url({ style: "badge" })})` },
    {
      title: "shields.io",
      language: "markdown",
      code: `![Dash](https://img.shields.io/endpoint?url=${encodeURIComponent(endpoint)})`,
    },
  ];
}
