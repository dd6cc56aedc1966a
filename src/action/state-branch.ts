import { emptyLedger, type Ledger, parseLedger } from "../domain/ledger.js";

/** The few REST calls the state branch needs; `@actions/github`'s Octokit provides them. */
export interface GitApi {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

export interface BranchFile {
  path: string;
  /** UTF-8 text, or bytes (sent as a base64 blob). */
  content: string | Uint8Array;
}

export interface StateSnapshot {
  ledger: Ledger;
  /** Head commit of the state branch; null when the branch does not exist yet. */
  head: string | null;
}

export const LEDGER_PATH = "dash.json";

const status = (err: unknown) => (err as { status?: number }).status;

/**
 * Reads and writes Dash's state on a branch of the repository itself. Writes are compare-and-swap on
 * the branch head: creating the ref fails if it exists, updating it fails unless it fast-forwards, so
 * two racing runs cannot overwrite each other — the loser reads again and re-applies its feeding.
 */
export class StateBranch {
  constructor(
    private readonly api: GitApi,
    private readonly repo: { owner: string; repo: string },
    private readonly branch: string,
  ) {}

  async read(): Promise<StateSnapshot> {
    let head: string;
    try {
      const { data } = await this.api.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        ...this.repo,
        ref: `heads/${this.branch}`,
      });
      head = (data as { object: { sha: string } }).object.sha;
    } catch (err) {
      if (status(err) === 404) return { ledger: emptyLedger(), head: null };
      throw err;
    }
    try {
      const { data } = await this.api.request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...this.repo,
        path: LEDGER_PATH,
        ref: head,
      });
      const file = data as { content?: string; encoding?: string };
      const text = Buffer.from(file.content ?? "", (file.encoding as BufferEncoding) ?? "base64").toString("utf8");
      return { ledger: parseLedger(text), head };
    } catch (err) {
      // A branch without our file (e.g. created by hand) starts a fresh ledger on top of it.
      if (status(err) === 404) return { ledger: emptyLedger(), head };
      throw err;
    }
  }

  /** Commits `files` on top of `parent`; returns false when someone else moved the branch first. */
  async write(files: readonly BranchFile[], parent: string | null, message: string): Promise<boolean> {
    const tree = [];
    for (const f of files) {
      if (typeof f.content === "string") {
        tree.push({ path: f.path, mode: "100644", type: "blob", content: f.content });
      } else {
        const { data } = await this.api.request("POST /repos/{owner}/{repo}/git/blobs", {
          ...this.repo,
          content: Buffer.from(f.content).toString("base64"),
          encoding: "base64",
        });
        tree.push({ path: f.path, mode: "100644", type: "blob", sha: (data as { sha: string }).sha });
      }
    }
    const { data: treeData } = await this.api.request("POST /repos/{owner}/{repo}/git/trees", { ...this.repo, tree });
    const { data: commit } = await this.api.request("POST /repos/{owner}/{repo}/git/commits", {
      ...this.repo,
      message,
      tree: (treeData as { sha: string }).sha,
      parents: parent ? [parent] : [],
    });
    const sha = (commit as { sha: string }).sha;
    try {
      if (parent) {
        await this.api.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
          ...this.repo,
          ref: `heads/${this.branch}`,
          sha,
          force: false,
        });
      } else {
        await this.api.request("POST /repos/{owner}/{repo}/git/refs", {
          ...this.repo,
          ref: `refs/heads/${this.branch}`,
          sha,
        });
      }
      return true;
    } catch (err) {
      if (status(err) === 422 || status(err) === 409) return false;
      throw err;
    }
  }
}
