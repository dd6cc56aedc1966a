import yaml from "js-yaml";
import { DEFAULT_REPO_CONFIG, type ParsedRepoConfig, parseRepoConfig } from "../config/repo-config.js";
import { type Json, obj, str } from "../github/payload.js";
import { ActionConfigError } from "./run-action.js";
import { type GitApi, textOf } from "./state-branch.js";

export const REPO_CONFIG_PATH = ".github/dash.yml";

const status = (err: unknown) => (err as { status?: number }).status;

/** The repository's default branch as the event payload names it; every event the Action handles carries it. */
export function defaultBranchOf(payload: Json): string | undefined {
  return str(obj(payload.repository)?.default_branch) || undefined;
}

/**
 * `.github/dash.yml` from the repository's default branch, read through the API and parsed as the App
 * parses it. Not from the workflow's checkout: on `pull_request` that is the PR's merge commit, and a
 * PR must not be able to change the rules it is fed by. Without `ref` GitHub reads the default branch
 * too. No file means the defaults; a file that is not YAML is reported and the defaults apply.
 */
export async function readRepoConfig(
  api: GitApi,
  where: { owner: string; repo: string; ref?: string },
): Promise<ParsedRepoConfig> {
  let text: string | undefined;
  try {
    const { data } = await api.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: where.owner,
      repo: where.repo,
      path: REPO_CONFIG_PATH,
      ...(where.ref ? { ref: where.ref } : {}),
      headers: { accept: "application/vnd.github.raw+json" },
    });
    text = textOf(data);
  } catch (err) {
    if (status(err) === 404) return parseRepoConfig(null);
    if (status(err) === 403) {
      throw new ActionConfigError(
        `The token cannot read ${REPO_CONFIG_PATH} (HTTP ${status(err)}). Add \`permissions:\\n  contents: write\` to the job (and \`pull-requests: write\` for the comment).`,
      );
    }
    throw err;
  }
  if (text === undefined) throw new Error(`GitHub answered without the content of ${REPO_CONFIG_PATH}.`);
  return parseRepoConfigText(text);
}

/** The file's text through the App's parser. As in the App, YAML that does not parse never stops Dash. */
export function parseRepoConfigText(text: string): ParsedRepoConfig {
  let raw: unknown;
  try {
    raw = yaml.load(text);
  } catch (err) {
    const reason = String((err as Error)?.message ?? err).split("\n")[0];
    return { config: DEFAULT_REPO_CONFIG, problems: [`\`${REPO_CONFIG_PATH}\` could not be read: ${reason}`] };
  }
  return parseRepoConfig(raw);
}
