import {
  type FeedingPlan,
  type FeedingRules,
  issueOpenedFeedings,
  pullRequestMergedFeedings,
  pullRequestOpenedFeedings,
  pushFeedings,
  reviewFeedings,
} from "../github/feedings.js";
import type { Json } from "../github/payload.js";

export type ActionTrigger =
  | "push"
  | "issues.opened"
  | "pull_request.opened"
  | "pull_request.merged"
  | "pull_request.synchronize"
  | "pull_request.reopened"
  | "pull_request_review.submitted"
  | "issue_comment.created";

export interface EventPlan {
  trigger: ActionTrigger;
  /** Feedings for this event; absent for events that only refresh the comment. */
  plan?: (payload: Json, rules: FeedingRules) => FeedingPlan;
}

/**
 * Which workflow events the Action handles and how they feed: the same pure rules as the App.
 * Returns a reason string for events it ignores (shown as a notice).
 */
export function planFor(eventName: string, payload: Json): EventPlan | string {
  const action = typeof payload.action === "string" ? payload.action : "";
  switch (eventName) {
    case "push":
      return { trigger: "push", plan: pushFeedings };
    case "issues":
      return action === "opened" ? { trigger: "issues.opened", plan: issueOpenedFeedings } : `issues.${action}`;
    case "pull_request":
    case "pull_request_target":
      if (action === "opened") return { trigger: "pull_request.opened", plan: pullRequestOpenedFeedings };
      if (action === "closed") {
        const merged = (payload.pull_request as Json | undefined)?.merged === true;
        return merged
          ? { trigger: "pull_request.merged", plan: pullRequestMergedFeedings }
          : "a pull request closed without merging";
      }
      if (action === "synchronize" || action === "reopened") return { trigger: `pull_request.${action}` };
      return `pull_request.${action}`;
    case "pull_request_review":
      return action === "submitted"
        ? { trigger: "pull_request_review.submitted", plan: reviewFeedings }
        : `pull_request_review.${action}`;
    case "issue_comment":
      return action === "created" ? { trigger: "issue_comment.created" } : `issue_comment.${action}`;
    default:
      return eventName;
  }
}
