import type { Context } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commentOnFed } from "../../src/comments/on-fed.js";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.js";
import type { FedEvent } from "../../src/github/feed-event.js";
import { CommentStore } from "../../src/store/comment-store.js";
import { openStore } from "../../src/store/open-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { FeedOutcome, RepoRef } from "../../src/store/store.js";
import { depsFor } from "./helpers.js";

const REPO: RepoRef = { id: 42, owner: "Codertocat", name: "Hello-World", private: false, installationId: 1 };

/** A push's Probot context, as far as the listener reads it. */
const pushContext = (branch: string) =>
  ({ payload: { ref: `refs/heads/${branch}` }, log: { debug() {} } }) as unknown as Context;

const outcome: FeedOutcome = {
  duplicateDelivery: false,
  applied: [{ login: "octocat", food: "curry", count: 1, sourceKey: "commit:abc" }],
  repo: { xpBefore: 0, xpAfter: 10, lastFedAtBefore: null },
  users: [{ login: "octocat", xpBefore: 0, xpAfter: 10 }],
};

/** A comment store that counts (and can fail) the open-PR lookups of pushes. */
class CountingComments extends CommentStore {
  lookups: string[] = [];
  fail = false;
  override openPrsForBranch(repoId: number, headRepoId: number, ref: string): Promise<number[]> {
    this.lookups.push(ref);
    if (this.fail) return Promise.reject(new Error("database away"));
    return super.openPrsForBranch(repoId, headRepoId, ref);
  }
}

describe("the comment listener's lookup before a push is stored", () => {
  let store: SqlStore;
  beforeEach(async () => {
    store = await openStore("sqlite::memory:");
  });
  afterEach(async () => {
    await store.close();
  });

  it("looks the branch's open PRs up once, before the feeding, and uses that answer after it", async () => {
    const comments = new CountingComments(store.db);
    await comments.trackPr(
      { repoId: REPO.id, prNumber: 5 },
      { authorLogin: "octocat", headRepoId: REPO.id, headRef: "topic", open: true, merged: false },
    );
    const later: (() => Promise<void>)[] = [];
    const listener = commentOnFed(depsFor(store, { comments }), (task) => later.push(task));
    const context = pushContext("topic");
    listener.prepare?.(context, "push", REPO);
    expect(comments.lookups).toEqual(["topic"]);
    await listener({
      context,
      trigger: "push",
      repo: REPO,
      settings: { config: DEFAULT_REPO_CONFIG, problems: [], feeds: true, reason: "test" },
      outcome,
    } as FedEvent);
    expect(comments.lookups).toEqual(["topic"]);
    expect(await comments.tally({ repoId: REPO.id, prNumber: 5 })).toEqual([
      { login: "octocat", food: "curry", count: 1 },
    ]);
  });

  it("lets a failed lookup go quietly when the feeding fails and the listener never runs", async () => {
    const comments = new CountingComments(store.db);
    comments.fail = true;
    const listener = commentOnFed(depsFor(store, { comments }), () => undefined);
    listener.prepare?.(pushContext("topic"), "push", REPO);
    listener.prepare?.(pushContext("other"), "push", REPO);
    // An unhandled rejection would fail this test run.
    await new Promise((done) => setTimeout(done, 20));
    expect(comments.lookups).toEqual(["topic", "other"]);
  });

  it("looks nothing up for a tag, or for events other than pushes", () => {
    const comments = new CountingComments(store.db);
    const listener = commentOnFed(depsFor(store, { comments }), () => undefined);
    listener.prepare?.({ payload: { ref: "refs/tags/v1" }, log: { debug() {} } } as unknown as Context, "push", REPO);
    listener.prepare?.(pushContext("topic"), "pull_request.opened", REPO);
    expect(comments.lookups).toEqual([]);
  });
});
