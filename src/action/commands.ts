import type { DashCommand } from "../commands/parse.js";
import { PermissionCache } from "../commands/permissions.js";
import { type CommandLinks, runCommand } from "../commands/run-command.js";
import type { Octokit } from "../comments/deps.js";
import type { RepoConfig } from "../config/repo-config.js";
import type { ReadmeSnippet } from "../render/links.js";
import type { RepoRef } from "../store/store.js";
import type { LedgerStore } from "./ledger-store.js";
import { cardFileOf, stateBranchCardUrl } from "./sticky-comment.js";

/**
 * Card and README links for a repo whose card lives on the Action's state branch. The github.com
 * `?raw=true` links work for anyone who can see the repository; raw.githubusercontent.com serves a
 * private repository's files to no README, so that link is offered for public repositories only.
 */
export function stateBranchLinks(
  serverUrl: string,
  branch: string,
  isPrivate = false,
  formats: readonly string[] = ["svg", "png"],
): CommandLinks {
  const blob = (owner: string, repo: string, file: string) =>
    `${serverUrl}/${owner}/${repo}/blob/${branch}/${file}?raw=true`;
  const file = cardFileOf(formats);
  return {
    card: (owner, repo, state) => stateBranchCardUrl(serverUrl, owner, repo, branch, state, file),
    snippets: (owner, repo) => {
      // Only the files the `formats` input writes.
      const snippets: ReadmeSnippet[] = (["svg", "png"] as const)
        .filter((f) => formats.includes(f))
        .map((f) => ({
          title: f.toUpperCase(),
          language: "markdown",
          code: `![Dash](${blob(owner, repo, `dash.${f}`)})`,
        }));
      if (!isPrivate) {
        snippets.push({
          title: "Public repositories (raw link)",
          language: "markdown",
          code: `![Dash](https://raw.githubusercontent.com/${owner}/${repo}/${branch}/${file})`,
        });
      }
      return snippets;
    },
  };
}

const NO_TOKEN = {
  en: "The Action keeps Dash's card on this repository's own state branch, so there is no badge token to rotate: whoever can see the repository can see the card.",
  ja: "Action 版では Dash のカードはこのリポジトリの state ブランチにあるため、ローテーションするバッジトークンはありません。リポジトリを見られる人だけがカードを見られます。",
};

/**
 * The App's `/dash` command runner, wired for the Action: the ledger as the store, the workflow token
 * for permission checks, and links to the state branch.
 */
export function actionCommandRunner(opts: {
  octokit: unknown;
  repo: RepoRef;
  serverUrl: string;
  branch: string;
  /** The card files the state branch holds (the `formats` input). */
  formats?: readonly string[];
  problems: string[];
  now: () => Date;
}): (store: LedgerStore, login: string, command: DashCommand, config: RepoConfig) => Promise<string> {
  const permissions = new PermissionCache();
  const links = stateBranchLinks(opts.serverUrl, opts.branch, opts.repo.private, opts.formats);
  return async (store, login, command, config) => {
    if (command.kind === "badge" && command.rotate) return NO_TOKEN[config.locale];
    return runCommand(
      { store, permissions, links, now: opts.now },
      {
        // @actions/github's client has the same REST surface the runner uses.
        octokit: opts.octokit as Octokit,
        repo: opts.repo,
        login,
        settings: { config, problems: opts.problems, feeds: true, reason: "the workflow runs ReposiTori" },
        command,
      },
    );
  };
}
