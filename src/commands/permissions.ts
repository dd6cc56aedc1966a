import type { Octokit } from "../comments/deps.js";

/** What a user may do in a repository, as far as Dash cares. */
export type Access = "admin" | "write" | "read" | "none";

const ORDER: Record<Access, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** True when `have` is at least `need`. */
export function hasAccess(have: Access, need: Access): boolean {
  return ORDER[have] >= ORDER[need];
}

/** GitHub's `permission` field (maintain is reported as write, triage as read). */
export function accessOf(permission: string | undefined): Access {
  if (permission === "admin") return "admin";
  if (permission === "write" || permission === "maintain") return "write";
  if (permission === "read" || permission === "triage") return "read";
  return "none";
}

interface Entry {
  value: Promise<Access>;
  expires: number;
}

/**
 * Asks GitHub for a user's permission level (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`)
 * and remembers it briefly: long enough that a burst of commands costs one call, short enough that a
 * removed collaborator loses their rights within a minute.
 */
export class PermissionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(opts: { ttlMs?: number; now?: () => number; maxEntries?: number } = {}) {
    this.#ttlMs = opts.ttlMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
    this.#maxEntries = opts.maxEntries ?? 5_000;
  }

  /** The access `login` has to the repo. */
  get(octokit: Octokit, repo: { id: number; owner: string; name: string }, login: string): Promise<Access> {
    const key = `${repo.id}:${login.toLowerCase()}`;
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = octokit.rest.repos
      .getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.name, username: login })
      .then(
        ({ data }) => accessOf(data.permission),
        (err: { status?: number }) => {
          // Not a collaborator (or no such user): no rights, which is an answer, not a failure.
          if (err?.status === 404) return "none" as const;
          throw err;
        },
      );
    this.#entries.set(key, { value, expires: now + this.#ttlMs });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }
}
