import { createHash } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGitHub } from "../helpers/fake-github.js";

/** GitHub's contents API serves files up to 1 MB in its JSON form; past that only raw bytes carry them. */
const CONTENTS_JSON_LIMIT = 1024 * 1024;
/** Past 100 MB GitHub stores no file at all, and the contents API refuses to read one. */
const FILE_LIMIT = 100 * 1000 * 1000;
/**
 * GitHub documents no size for blobs written inline in a tree, but tree requests of a few MB fail
 * (502 or 422) where the blob API takes the same file; the double refuses them past this size.
 */
const TREE_REQUEST_LIMIT = 2 * 1024 * 1024;

const blobSha = (content: Buffer) =>
  createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");

/**
 * FakeGitHub with GitHub's media types and size limits in front of it: `GET contents` answers raw
 * bytes for the raw media type and, in its JSON form, an empty `content` with `encoding: "none"` for
 * files over 1 MB; a tree request too large for GitHub fails. Everything else goes to FakeGitHub.
 */
export class GitHubDouble extends FakeGitHub {
  #front: Server | null = null;

  override async start(): Promise<this> {
    await super.start();
    const inner = new URL(this.url);
    this.#front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? "/", "http://x");
        const method = req.method ?? "GET";
        const send = (status: number, data: unknown) => {
          res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify(data));
        };
        const contents = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(url.pathname);
        if (method === "GET" && contents) {
          this.requests.push(`${method} ${url.pathname}`);
          if (!/^(token|Bearer) ghs_fake$/.test(req.headers.authorization ?? "")) {
            return send(401, { message: "Bad credentials" });
          }
          const file = this.#fileAt(url.searchParams.get("ref") ?? "", decodeURIComponent(contents[1] ?? ""));
          if (!file) return send(404, { message: "Not Found" });
          if (file.content.length > FILE_LIMIT) {
            return send(403, {
              message: "This API returns blobs up to 100 MB in size.",
              errors: [{ code: "too_large" }],
            });
          }
          if (/\bapplication\/vnd\.github(\.v3)?\.raw\b/.test(req.headers.accept ?? "")) {
            res.writeHead(200, { "content-type": "application/vnd.github.raw; charset=utf-8" });
            return res.end(file.content);
          }
          const large = file.content.length > CONTENTS_JSON_LIMIT;
          return send(200, {
            type: "file",
            path: file.path,
            sha: file.sha,
            size: file.content.length,
            encoding: large ? "none" : "base64",
            content: large ? "" : (file.content.toString("base64").match(/.{1,60}/g) ?? []).join("\n"),
          });
        }
        if (method === "POST" && /\/git\/trees$/.test(url.pathname) && body.length > TREE_REQUEST_LIMIT) {
          this.requests.push(`${method} ${url.pathname}`);
          return send(502, { message: "Server Error" });
        }
        const forward = request(
          { host: inner.hostname, port: inner.port, method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on("error", (err) => send(502, { message: String(err) }));
        forward.end(body);
      });
    });
    await new Promise<void>((r) => this.#front?.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.#front.address() as AddressInfo).port}`;
    return this;
  }

  override async stop(): Promise<void> {
    await new Promise<void>((r) => (this.#front ? this.#front.close(() => r()) : r()));
    await super.stop();
  }

  /** Puts `files` on `branch` as one new commit, as if pushed there by someone else. */
  commitFiles(branch: string, files: Record<string, string | Buffer>): string {
    const entries = Object.entries(files).map(([path, text]) => {
      const content = Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8");
      const sha = blobSha(content);
      this.blobs.set(sha, content);
      return { path, sha };
    });
    const tree = createHash("sha1").update(JSON.stringify(entries)).digest("hex");
    this.trees.set(tree, entries);
    const ref = `refs/heads/${branch}`;
    const parent = this.refs.get(ref);
    const commit = { tree, parents: parent ? [parent] : [], message: "seed" };
    const sha = createHash("sha1").update(JSON.stringify(commit)).update(String(this.commits.size)).digest("hex");
    this.commits.set(sha, commit);
    this.refs.set(ref, sha);
    return sha;
  }

  #fileAt(ref: string, path: string): { path: string; sha: string; content: Buffer } | undefined {
    const commit = this.commits.get(ref) ?? this.commits.get(this.refs.get(`refs/heads/${ref}`) ?? "");
    const entry = commit ? this.trees.get(commit.tree)?.find((e) => e.path === path) : undefined;
    const content = entry ? this.blobs.get(entry.sha) : undefined;
    return entry && content ? { path, sha: entry.sha, content } : undefined;
  }
}
