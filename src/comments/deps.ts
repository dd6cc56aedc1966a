import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { FeatureContext } from "../feature.js";
import { CommentStore } from "../store/comment-store.js";
import type { Store } from "../store/store.js";

/** The installation-authenticated client a webhook context carries (`context.octokit`). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

/** What the sticky comment needs, passed in once. */
export interface CommentDeps {
  store: Store;
  comments: CommentStore;
  /** Where card links point (`PUBLIC_URL`). */
  publicUrl: string;
  now: () => Date;
  log: Logger;
  /** The App's id: only comments written by this App are ever edited. */
  appId: number | null;
  /** How long one renderer may hold a PR's comment before another process may take over. */
  leaseMs: number;
  /** Contributors listed in the comment before "…and N more". */
  maxContributors: number;
}

/** One pull request's comment, addressed for GitHub and for the store. */
export interface PrTarget {
  octokit: Octokit;
  owner: string;
  repo: string;
  repoId: number;
  prNumber: number;
}

/** Builds the comment dependencies from the App's shared collaborators. */
export function commentDeps(ctx: FeatureContext): CommentDeps {
  const appId = Number(ctx.env.APP_ID);
  return {
    store: ctx.store,
    comments: new CommentStore(ctx.db),
    publicUrl: ctx.env.PUBLIC_URL,
    now: ctx.now,
    log: ctx.log.child({ name: "comments" }),
    appId: Number.isSafeInteger(appId) && appId > 0 ? appId : null,
    leaseMs: 60_000,
    maxContributors: 10,
  };
}
