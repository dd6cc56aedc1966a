import { existsSync, readFileSync } from "node:fs";
import yaml from "js-yaml";
import { DEFAULT_REPO_CONFIG, type ParsedRepoConfig, parseRepoConfig } from "../config/repo-config.js";

/**
 * `.github/dash.yml` from the workflow's checkout, through the App's parser. As in the App, a file
 * that is not YAML never stops Dash: the problem is reported and the defaults apply.
 */
export function readRepoConfigFile(file: string): ParsedRepoConfig {
  if (!existsSync(file)) return parseRepoConfig(null);
  let raw: unknown;
  try {
    raw = yaml.load(readFileSync(file, "utf8"));
  } catch (err) {
    const reason = String((err as Error)?.message ?? err).split("\n")[0];
    return { config: DEFAULT_REPO_CONFIG, problems: [`\`.github/dash.yml\` could not be read: ${reason}`] };
  }
  return parseRepoConfig(raw);
}
