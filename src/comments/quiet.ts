import type { RepoConfig } from "../config/repo-config.js";
import { isBotLogin } from "../github/payload.js";

/**
 * A PR opened by a bot or by a user `.github/dash.yml` ignores gets no sticky comment, whoever feeds
 * Dash on it later (a human's review of a Dependabot PR, a push to its branch): nobody is there to
 * greet, and a bot would not read it.
 */
export function quietPr(authorLogin: string | null, config: Pick<RepoConfig, "ignored_users">): boolean {
  if (!authorLogin) return false;
  const author = authorLogin.toLowerCase();
  return isBotLogin(authorLogin) || config.ignored_users.some((u) => u.toLowerCase() === author);
}
