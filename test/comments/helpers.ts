import nock from "nock";
import pino from "pino";
import { expect } from "vitest";
import type { CommentDeps, Octokit } from "../../src/comments/deps.js";
import type { Feeding } from "../../src/domain/foods.js";
import { dayKey } from "../../src/domain/time.js";
import { CommentStore } from "../../src/store/comment-store.js";
import type { SqlStore } from "../../src/store/sql-store.js";
import type { RepoRef } from "../../src/store/store.js";
import { TestOctokit } from "../helpers/app-harness.js";

export const API = "https://api.github.com";
export const ZWSP = "\u200b";
export const APP_ID = 1;

/** The moment every test in these suites happens (northern spring). */
export const NOW = new Date("2026-03-10T12:00:00Z");

/** An installation client that talks to nock. */
export function testOctokit(): Octokit {
  return new TestOctokit({ auth: { token: "ghs_test" } }) as unknown as Octokit;
}

/** Comment dependencies on a real store, as the App builds them. */
export function depsFor(store: SqlStore, over: Partial<CommentDeps> = {}): CommentDeps {
  return {
    store,
    comments: new CommentStore(store.db),
    publicUrl: "http://dash.test",
    now: () => NOW,
    log: pino({ level: "silent" }),
    appId: APP_ID,
    leaseMs: 60_000,
    maxContributors: 10,
    ...over,
  };
}

let seq = 0;
/** Feeds the store as the webhook pipeline would. */
export function feed(store: SqlStore, repo: RepoRef, feedings: Feeding[]) {
  return store.feed({
    deliveryId: `d-${++seq}-${Math.random()}`,
    repo,
    feedings,
    at: NOW,
    day: dayKey(NOW, "UTC"),
    utcDay: dayKey(NOW, "UTC"),
    dailyCap: 30,
  });
}

/** Records every request body sent to a mocked route, in order. (nock 15 hands reply functions a fetch Request.) */
export interface Recorder {
  bodies: unknown[];
}

/** A comment written by this App (as the REST API lists it). */
export function appComment(id: number, body: string, appId = APP_ID) {
  return {
    id,
    body,
    user: { login: "repositori[bot]", type: "Bot" },
    performed_via_github_app: { id: appId, slug: "repositori" },
  };
}

/** The PR's comments, listed when Dash looks for its own. */
export function mockListComments(owner: string, repo: string, pr: number, comments: unknown[] = []): nock.Scope {
  return nock(API).get(`/repos/${owner}/${repo}/issues/${pr}/comments`).query({ per_page: "100" }).reply(200, comments);
}

/** POST of a new comment; records the request body. */
export function mockCreateComment(owner: string, repo: string, pr: number, id: number, rec: Recorder): nock.Scope {
  return nock(API)
    .post(`/repos/${owner}/${repo}/issues/${pr}/comments`)
    .reply(201, async (request: Request) => {
      const body = (await request.json()) as { body: string };
      rec.bodies.push(body);
      return { id, body: body.body };
    });
}

/** PATCH of comment `id`; records the request body. */
export function mockUpdateComment(owner: string, repo: string, id: number, rec: Recorder): nock.Scope {
  return nock(API)
    .patch(`/repos/${owner}/${repo}/issues/comments/${id}`)
    .reply(200, async (request: Request) => {
      const body = (await request.json()) as { body: string };
      rec.bodies.push(body);
      return { id, body: body.body };
    });
}

/** Mocks ready to answer every call that would write Dash's comment on a PR, recording any that comes. */
export interface CommentWatch {
  /** Bodies sent to the create mock. */
  posted: Recorder;
  /** Bodies sent to the update mocks. */
  patched: Recorder;
  scopes: nock.Scope[];
}

/**
 * For tests that claim no comment is written: a list, a create, and an edit of each of `commentIds`,
 * all recorded. Check with `expectNoCommentCalls`.
 */
export function watchCommentCalls(owner: string, repo: string, pr: number, commentIds: number[]): CommentWatch {
  const posted: Recorder = { bodies: [] };
  const patched: Recorder = { bodies: [] };
  return {
    posted,
    patched,
    scopes: [
      mockListComments(owner, repo, pr),
      mockCreateComment(owner, repo, pr, 9_999, posted),
      ...commentIds.map((id) => mockUpdateComment(owner, repo, id, patched)),
    ],
  };
}

/**
 * Asserts that none of the watched calls came and that every other mock was used, then removes all
 * mocks (the watched ones are left unused on purpose).
 */
export function expectNoCommentCalls(watch: CommentWatch): void {
  expect(watch.posted.bodies).toEqual([]);
  expect(watch.patched.bodies).toEqual([]);
  for (const scope of watch.scopes) expect(scope.isDone()).toBe(false);
  const watched = watch.scopes.flatMap((s) => s.pendingMocks());
  expect(nock.pendingMocks().sort()).toEqual(watched.sort());
  nock.cleanAll();
}
