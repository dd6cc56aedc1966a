import { createHmac, randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { expect } from "vitest";
import { dayKey } from "../../src/domain/time.js";
import type { Store } from "../../src/store/store.js";
import { asDartRepo, examplesOf } from "../helpers/examples.js";

/** One signed `push` delivery, ready to post (its body is fixed: a redelivery sends the same bytes). */
export interface Delivery {
  id: string;
  body: string;
  repo: { id: number; owner: string; name: string };
  /** The commits it carries, by SHA, with their authors. */
  commits: { sha: string; login: string }[];
}

export interface LoadSpec {
  repos: number;
  logins: number;
  /** Distinct deliveries; each push carries two commits, every fourth repeats an earlier commit of its repo. */
  pushes: number;
  /** Share of extra deliveries that repeat an earlier `X-GitHub-Delivery` (and body). */
  redeliveryShare: number;
}

const template = examplesOf("push").find((p) => Array.isArray(p.commits) && p.commits.length > 0);

/** The repos and contributors of a load, named the same way every time. */
export function reposOf(spec: Pick<LoadSpec, "repos">) {
  return Array.from({ length: spec.repos }, (_, i) => ({ id: 700_000 + i, owner: "dash-org", name: `dart-app-${i}` }));
}
export function loginsOf(spec: Pick<LoadSpec, "logins">) {
  return Array.from({ length: spec.logins }, (_, i) => `dev-${i}`);
}

function pushBody(repo: Delivery["repo"], commits: Delivery["commits"]): string {
  if (!template) throw new Error("no push example with commits");
  const payload = structuredClone(template) as Record<string, unknown>;
  asDartRepo(payload, repo);
  const base = (payload.commits as Record<string, unknown>[])[0] ?? {};
  payload.commits = commits.map((c) => ({
    ...base,
    id: c.sha,
    distinct: true,
    author: { name: c.login, email: `${c.login}@example.com`, username: c.login },
    added: ["lib/main.dart"],
    removed: [],
    modified: [],
  }));
  payload.head_commit = (payload.commits as unknown[]).at(-1);
  return JSON.stringify(payload);
}

/**
 * The deliveries of a load: `pushes` distinct ones, then `redeliveryShare` of the total as repeats of
 * earlier delivery ids, shuffled deterministically. Totals stay under the daily cap (30 per contributor
 * per repo), so the expected XP does not depend on the order of arrival.
 */
export function makeLoad(spec: LoadSpec): Delivery[] {
  const repos = reposOf(spec);
  const logins = loginsOf(spec);
  const unique: Delivery[] = [];
  const commitsByRepo = new Map<number, Delivery["commits"]>();
  for (let i = 0; i < spec.pushes; i++) {
    const repo = repos[i % repos.length] ?? repos[0];
    if (!repo) throw new Error("no repos");
    const login = logins[Math.floor(i / repos.length) % logins.length] ?? "dev-0";
    const earlier = commitsByRepo.get(repo.id) ?? [];
    const commits = [{ sha: sha(`${i}a`), login }];
    // Every fourth push carries a commit its repo has already eaten (the same commit on another branch).
    const repeated = i % 4 === 3 ? earlier[Math.floor(earlier.length / 2)] : undefined;
    commits.push(repeated ?? { sha: sha(`${i}b`), login });
    commitsByRepo.set(repo.id, [...earlier, ...commits]);
    unique.push({ id: randomUUID(), body: pushBody(repo, commits), repo, commits });
  }
  const total = Math.round(spec.pushes / (1 - spec.redeliveryShare));
  const repeats = Array.from({ length: total - spec.pushes }, (_, i) => unique[(i * 7919) % unique.length]);
  const all = [...unique, ...repeats.filter((d): d is Delivery => d !== undefined)];
  // A fixed shuffle: the redeliveries land among the first deliveries, racing them.
  let seed = 42;
  for (let i = all.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [all[i], all[j]] = [all[j] as Delivery, all[i] as Delivery];
  }
  return all;
}

/** 40 hex digits from a label, so the SHAs look real and are distinct per label. */
function sha(label: string): string {
  return createHmac("sha1", "commits").update(label).digest("hex");
}

/** The XP that `deliveries` must leave, computed from the deliveries alone: 10 per distinct (repo, commit). */
export function expectedXp(deliveries: readonly Delivery[]) {
  const eaten = new Map<string, { repo: string; login: string }>();
  for (const d of deliveries) {
    for (const c of d.commits) eaten.set(`${d.repo.id}:${c.sha}`, { repo: d.repo.name, login: c.login });
  }
  const repos = new Map<string, number>();
  const users = new Map<string, number>();
  const contributors = new Map<string, number>();
  for (const { repo, login } of eaten.values()) {
    repos.set(repo, (repos.get(repo) ?? 0) + 10);
    users.set(login, (users.get(login) ?? 0) + 10);
    contributors.set(`${repo}/${login}`, (contributors.get(`${repo}/${login}`) ?? 0) + 10);
  }
  return { repos, users, contributors };
}

/** The XP actually stored for the repos and logins of `spec`, in the shape of `expectedXp`. */
export async function storedXp(store: Store, spec: Pick<LoadSpec, "repos" | "logins">, day: string) {
  const repos = new Map<string, number>();
  const users = new Map<string, number>();
  const contributors = new Map<string, number>();
  for (const r of reposOf(spec)) {
    const dash = await store.getRepoDash(r.owner, r.name, { day, top: 1000 });
    if (!dash) continue;
    repos.set(r.name, dash.xp);
    for (const c of dash.contributors) contributors.set(`${r.name}/${c.login}`, c.xp);
  }
  for (const login of loginsOf(spec)) {
    const dash = await store.getUserDash(login, { utcDay: day });
    if (dash) users.set(login, dash.xp);
  }
  return { repos, users, contributors };
}

/**
 * Asserts that `store` holds exactly the XP `deliveries` must leave today (see expectedXp), per repo,
 * user and contributor.
 */
export async function expectExactXp(
  store: Store,
  spec: Pick<LoadSpec, "repos" | "logins">,
  deliveries: readonly Delivery[],
) {
  const stored = await storedXp(store, spec, dayKey(new Date(), "UTC"));
  const expected = expectedXp(deliveries);
  expect(stored.repos).toEqual(expected.repos);
  expect(stored.users).toEqual(expected.users);
  expect(stored.contributors).toEqual(expected.contributors);
}

export const sign = (body: string, secret: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** Posts one delivery (a `push` unless `event` says otherwise); resolves with the HTTP status, or 0 when the connection failed. */
export function post(appUrl: string, d: Delivery, secret: string, agent?: Agent, event = "push"): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${appUrl}/api/github/webhooks`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(d.body),
          "x-github-event": event,
          "x-github-delivery": d.id,
          "x-hub-signature-256": sign(d.body, secret),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.on("error", () => resolve(0));
    req.end(d.body);
  });
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 64 });

/** How often a delivery answered 503 is sent again, and the pause before each new attempt. */
export const REDELIVERY = { attempts: 20, pauseMs: 250 };

/**
 * Sends a delivery as GitHub does, seen from the App: a 503 ("not now", e.g. the database is too slow
 * to answer in time) is redelivered, after a short pause, up to REDELIVERY.attempts times in all.
 * Resolves with every status it got, the last one last.
 */
export async function postRedelivering(send: () => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  for (;;) {
    const status = await send();
    statuses.push(status);
    if (status !== 503 || statuses.length >= REDELIVERY.attempts) return statuses;
    await new Promise((done) => setTimeout(done, REDELIVERY.pauseMs));
  }
}

/**
 * What is wrong with the answers `postRedelivering` collected, one line per delivery, or nothing:
 * each delivery must end with 200, and every answer before it must be a 503 (never a 500, nor a
 * connection that failed).
 */
export function redeliveryProblems(answers: readonly (readonly number[])[]): string[] {
  return answers.flatMap((statuses, i) =>
    statuses.at(-1) === 200 && statuses.every((s) => s === 200 || s === 503)
      ? []
      : [`delivery #${i}: answered ${statuses.join(", ")}`],
  );
}
