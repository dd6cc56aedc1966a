import type { RepoConfig } from "../config/repo-config.js";
import type { RepoDisplay } from "../store/store.js";
import type { FeedingRules } from "./feedings.js";

/** The feeding rules a repo's `.github/dash.yml` sets (shared by the App and the Action). */
export function rulesOf(config: RepoConfig): FeedingRules {
  return {
    foods: {
      push: config.foods.push,
      issueOpened: config.foods.issue_opened,
      pullRequestOpened: config.foods.pull_request_opened,
      pullRequestMerged: config.foods.pull_request_merged,
      review: config.foods.review,
    },
    perPushCap: config.per_push_cap,
    ignoredUsers: config.ignored_users,
  };
}

/** The config bits cards need, stored with the feeding so views never call GitHub. */
export function displayOf(config: RepoConfig): RepoDisplay {
  return {
    timezone: config.timezone,
    hemisphere: config.hemisphere,
    locale: config.locale,
    name: config.name,
    outfit: config.outfit,
    background: config.background,
  };
}
