import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface TreeEntry {
  path: string;
  sha: string;
}
interface Commit {
  tree: string;
  parents: string[];
  message: string;
}
export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/**
 * A local stand-in for the few GitHub REST endpoints the Action uses (git refs, blobs, trees, commits,
 * contents, issue comments), with GitHub's semantics where it matters: creating an existing ref is
 * 422, a ref update that does not fast-forward is 422, and a read-only token gets 403 on every write.
 */
export class FakeGitHub {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, Commit>();
  readonly refs = new Map<string, string>();
  readonly comments = new Map<number, FakeComment[]>();
  /** Pull requests, for `GET /pulls` (open ones, filtered by `head=owner:branch` as GitHub does). */
  readonly pulls: { number: number; head: string; owner: string; author: string; open: boolean }[] = [];
  /** What `GET /pulls` answers instead of the list (403: a token without `pull-requests`; 502: an outage). */
  pullsStatus: number | null = null;
  /** New comments answer 403, as for a token without `pull-requests: write`. */
  commentsForbidden = false;
  /** New comments answer 403 for GitHub's secondary rate limit (with its message and Retry-After). */
  commentsRateLimited = false;
  readonly requests: string[] = [];
  /** Collaborators' permission levels (`admin`, `write`, `read`); anyone else is not a collaborator (404). */
  readonly permissions = new Map<string, string>();
  readOnly = false;
  /** What ref writes answer with 422 instead of applying, as a ruleset on the branch does (null: none). */
  refRule: string | null = null;
  /** 422 answers for the next ref writes, one each, as GitHub gives concurrent writes. */
  readonly refRefusals: string[] = [];
  /** Called before a ref update is applied: lets a test move the branch underneath a run. */
  beforeRefUpdate: (() => void) | null = null;
  #nextComment = 1;
  #server: Server | null = null;
  url = "";

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(err) }));
      });
    });
    await new Promise<void>((r) => this.#server?.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** The text of a file at the head of a branch, or undefined. */
  file(branch: string, path: string): Buffer | undefined {
    const head = this.refs.get(`refs/heads/${branch}`);
    const commit = head ? this.commits.get(head) : undefined;
    const entry = commit ? this.trees.get(commit.tree)?.find((e) => e.path === path) : undefined;
    return entry ? this.blobs.get(entry.sha) : undefined;
  }

  #putBlob(content: Buffer): string {
    const sha = sha1(`blob ${content.length}\0${content.toString("binary")}`);
    this.blobs.set(sha, content);
    return sha;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    this.requests.push(`${method} ${url.pathname}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(data));
    };
    if (!/^\/repos\/[^/]+\/[^/]+\//.test(url.pathname)) return send(404, { message: "Not Found" });
    if (req.headers.authorization !== "token ghs_fake" && req.headers.authorization !== "Bearer ghs_fake") {
      return send(401, { message: "Bad credentials" });
    }
    // Octokit percent-encodes slashes inside parameters (heads%2Fmain); GitHub decodes them.
    const path = decodeURIComponent(url.pathname.replace(/^\/repos\/[^/]+\/[^/]+/, ""));
    if (method !== "GET" && this.readOnly) return send(403, { message: "Resource not accessible by integration" });

    const m0 = /^\/git\/ref\/(heads\/.+)$/.exec(path);
    const m1 = /^\/contents\/(.+)$/.exec(path);
    const m2 = /^\/git\/refs\/(heads\/.+)$/.exec(path);
    const m3 = /^\/issues\/(\d+)\/comments$/.exec(path);
    const m4 = /^\/issues\/comments\/(\d+)$/.exec(path);
    if (method === "GET" && m0) {
      const sha = this.refs.get(`refs/${decodeURIComponent(m0[1] ?? "")}`);
      return sha
        ? send(200, { ref: `refs/${m0[1]}`, object: { sha, type: "commit" } })
        : send(404, { message: "Not Found" });
    }
    if (method === "GET" && m1) {
      const ref = url.searchParams.get("ref") ?? "";
      const commit = this.commits.get(ref) ?? this.commits.get(this.refs.get(`refs/heads/${ref}`) ?? "");
      const entry = commit
        ? this.trees.get(commit.tree)?.find((e) => e.path === decodeURIComponent(m1?.[1] ?? ""))
        : undefined;
      const blob = entry ? this.blobs.get(entry.sha) : undefined;
      if (!entry || !blob) return send(404, { message: "Not Found" });
      return send(200, {
        type: "file",
        path: entry.path,
        sha: entry.sha,
        encoding: "base64",
        content: blob.toString("base64"),
      });
    }
    const gitCommit = /^\/git\/commits\/([0-9a-f]+)$/.exec(path);
    if (method === "GET" && gitCommit) {
      const commit = this.commits.get(gitCommit[1] ?? "");
      return commit
        ? send(200, { sha: gitCommit[1], message: commit.message, tree: { sha: commit.tree } })
        : send(404, { message: "Not Found" });
    }
    const gitTree = /^\/git\/trees\/([0-9a-f]+)$/.exec(path);
    if (method === "GET" && gitTree) {
      const entries = this.trees.get(gitTree[1] ?? "");
      return entries
        ? send(200, { sha: gitTree[1], tree: entries.map((e) => ({ path: e.path, type: "blob", sha: e.sha })) })
        : send(404, { message: "Not Found" });
    }
    if (method === "GET" && path === "/pulls") {
      if (this.pullsStatus) return send(this.pullsStatus, { message: "Resource not accessible by integration" });
      const head = url.searchParams.get("head");
      const open = (url.searchParams.get("state") ?? "open") === "open";
      const list = this.pulls.filter((p) => p.open === open && (!head || head === `${p.owner}:${p.head}`));
      return send(
        200,
        list.map((p) => ({ number: p.number, state: p.open ? "open" : "closed", user: { login: p.author } })),
      );
    }
    const collaborator = /^\/collaborators\/([^/]+)\/permission$/.exec(path);
    if (method === "GET" && collaborator) {
      const permission = this.permissions.get((collaborator[1] ?? "").toLowerCase());
      return permission ? send(200, { permission, role_name: permission }) : send(404, { message: "Not Found" });
    }
    if (method === "POST" && path === "/git/blobs") {
      const content = Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8");
      return send(201, { sha: this.#putBlob(content) });
    }
    if (method === "POST" && path === "/git/trees") {
      const entries: TreeEntry[] = [];
      for (const e of body.tree as { path: string; content?: string; sha?: string }[]) {
        const sha = e.sha ?? this.#putBlob(Buffer.from(e.content ?? "", "utf8"));
        if (!this.blobs.has(sha)) return send(422, { message: `Invalid tree: blob ${sha} missing` });
        entries.push({ path: e.path, sha });
      }
      const sha = sha1(JSON.stringify(entries));
      this.trees.set(sha, entries);
      return send(201, { sha });
    }
    if (method === "POST" && path === "/git/commits") {
      if (!this.trees.has(body.tree)) return send(422, { message: "Tree SHA does not exist" });
      for (const p of body.parents as string[])
        if (!this.commits.has(p)) return send(422, { message: "Parent SHA does not exist" });
      const commit: Commit = { tree: body.tree, parents: body.parents, message: body.message };
      const sha = sha1(JSON.stringify(commit) + Math.random());
      this.commits.set(sha, commit);
      return send(201, { sha });
    }
    if ((method === "POST" && path === "/git/refs") || (method === "PATCH" && m2)) {
      if (this.refRule) return send(422, { message: this.refRule });
      const refusal = this.refRefusals.shift();
      if (refusal) return send(422, { message: refusal });
    }
    if (method === "POST" && path === "/git/refs") {
      if (this.refs.has(body.ref)) return send(422, { message: "Reference already exists" });
      this.refs.set(body.ref, body.sha);
      return send(201, { ref: body.ref, object: { sha: body.sha } });
    }
    if (method === "PATCH" && m2) {
      const ref = `refs/${decodeURIComponent(m2[1] ?? "")}`;
      this.beforeRefUpdate?.();
      const current = this.refs.get(ref);
      if (!current) return send(422, { message: "Reference does not exist" });
      const next = this.commits.get(body.sha);
      if (!next) return send(422, { message: "Object does not exist" });
      if (!body.force && !next.parents.includes(current)) return send(422, { message: "Update is not a fast forward" });
      this.refs.set(ref, body.sha);
      return send(200, { ref, object: { sha: body.sha } });
    }
    if (m3) {
      const n = Number(m3[1]);
      const list = this.comments.get(n) ?? [];
      if (method === "GET") return send(200, list);
      if (method === "POST") {
        if (this.commentsForbidden) return send(403, { message: "Resource not accessible by integration" });
        if (this.commentsRateLimited) {
          res.setHeader("retry-after", "60");
          return send(403, {
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          });
        }
        const comment: FakeComment = {
          id: this.#nextComment++,
          body: body.body,
          user: { login: "github-actions[bot]", type: "Bot" },
        };
        this.comments.set(n, [...list, comment]);
        return send(201, comment);
      }
    }
    if (method === "GET" && m4) {
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m4?.[1]));
        if (c) return send(200, c);
      }
      return send(404, { message: "Not Found" });
    }
    if (method === "DELETE" && m4) {
      for (const [n, list] of this.comments) {
        if (list.some((x) => x.id === Number(m4?.[1]))) {
          this.comments.set(
            n,
            list.filter((x) => x.id !== Number(m4?.[1])),
          );
          res.writeHead(204);
          res.end();
          return;
        }
      }
      return send(404, { message: "Not Found" });
    }
    if (method === "PATCH" && m4) {
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m4?.[1]));
        if (c) {
          c.body = body.body;
          return send(200, c);
        }
      }
      return send(404, { message: "Not Found" });
    }
    return send(404, { message: `Not Found: ${method} ${url.pathname}` });
  }
}
