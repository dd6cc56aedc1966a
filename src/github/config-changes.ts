import type { Json } from "./payload.js";
import { obj, str } from "./payload.js";

const CONFIG_PATH = ".github/dash.yml";

/** True when a push to the default branch added, changed or removed `.github/dash.yml`. */
export function pushChangesConfig(payload: Json): boolean {
  const repo = obj(payload.repository);
  const defaultBranch = str(repo?.default_branch) ?? str(repo?.master_branch);
  if (!defaultBranch || payload.ref !== `refs/heads/${defaultBranch}`) return false;
  const commits = Array.isArray(payload.commits) ? payload.commits : [];
  return commits.some((c) => {
    const commit = obj(c);
    return ["added", "modified", "removed"].some(
      (k) => Array.isArray(commit?.[k]) && (commit[k] as unknown[]).includes(CONFIG_PATH),
    );
  });
}
