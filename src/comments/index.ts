/** The sticky PR comment: what other feature areas may use. */
export { type CommentDeps, commentDeps, type Octokit, type PrTarget } from "./deps.js";
export { commentsFeature } from "./feature.js";
export type { PrReaction } from "./model.js";
export { prOf } from "./pr-info.js";
export { quietPr } from "./quiet.js";
export { setPrReaction } from "./reaction.js";
export { type RefreshResult, refreshPrComment } from "./upsert.js";
