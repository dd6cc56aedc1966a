import type { Migration } from "./db.js";
import { bytewiseKeys } from "./migrations.js";

/**
 * Tables of the sticky PR comment. `dash_prs` is the claim row of one pull request: its primary key
 * (repo + PR number) is what makes two concurrent events, even in two processes, create one comment.
 * `gen` counts refresh requests and `lease_*` says who is rendering now (see comment-store.ts).
 */
export const commentMigrations: Migration[] = [
  {
    id: "comments-001-pr-comments",
    sql: `
CREATE TABLE dash_prs (
  repo_id BIGINT NOT NULL,
  pr_number BIGINT NOT NULL,
  author_login TEXT,
  head_repo_id BIGINT,
  head_ref TEXT,
  is_open INTEGER NOT NULL DEFAULT 1,
  merged INTEGER NOT NULL DEFAULT 0,
  repo_xp_start BIGINT,
  comment_id BIGINT,
  comment_deleted INTEGER NOT NULL DEFAULT 0,
  body_hash TEXT,
  gen BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until BIGINT,
  locale TEXT,
  mode TEXT,
  problems TEXT,
  reaction TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (repo_id, pr_number)
);
CREATE INDEX dash_prs_by_branch ON dash_prs (repo_id, head_repo_id, head_ref);
CREATE TABLE dash_pr_feedings (
  repo_id BIGINT NOT NULL,
  pr_number BIGINT NOT NULL,
  source_key TEXT NOT NULL,
  login_key TEXT NOT NULL,
  login TEXT NOT NULL,
  food TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (repo_id, pr_number, source_key)
);
CREATE TABLE dash_pr_contributors (
  repo_id BIGINT NOT NULL,
  pr_number BIGINT NOT NULL,
  login_key TEXT NOT NULL,
  login TEXT NOT NULL,
  xp_start BIGINT NOT NULL,
  PRIMARY KEY (repo_id, pr_number, login_key)
);
`,
  },
  bytewiseKeys("comments-002-bytewise-keys", {
    dash_prs: ["head_ref"],
    dash_pr_feedings: ["source_key", "login_key", "food"],
    dash_pr_contributors: ["login_key"],
  }),
  {
    // The last `gen` a render let go of: a PR with gen ahead of it was fed (or asked for a refresh)
    // and not rendered since, e.g. when its process stopped in between (see staleComments). The PRs
    // of before start as rendered.
    id: "comments-003-rendered-gen",
    sql: `ALTER TABLE dash_prs ADD COLUMN rendered_gen BIGINT NOT NULL DEFAULT 0;
UPDATE dash_prs SET rendered_gen = gen;`,
  },
  {
    // When GitHub last changed each PR, from the payload that set its open/closed state: an older
    // payload arriving late no longer reopens a closed PR. Unknown (NULL) for the PRs of before.
    id: "comments-004-pr-state-at",
    sql: "ALTER TABLE dash_prs ADD COLUMN state_at BIGINT;",
  },
  {
    // Whether the lease holder took the lease over from one whose lease ran out (set by acquire): that
    // one may still be posting a comment, which the new holder then removes (see refreshPrComment).
    id: "comments-005-lease-taken-over",
    sql: "ALTER TABLE dash_prs ADD COLUMN lease_taken_over INTEGER NOT NULL DEFAULT 0;",
  },
];
