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

/** GitHub keeps no file of 100 MB or more, and its contents API reads none. */
export const MAX_FILE_BYTES = 100 * 1000 * 1000;

/**
 * Text up to this size (all files together) rides inline in the tree request; past it, files go up
 * through the blob API, since tree requests of a few MB fail on GitHub where the blob API takes them.
 */
const INLINE_TEXT_BYTES = 512 * 1024;

const status = (err: unknown) => (err as { status?: number }).status;

/** Git's empty tree: a branch made by hand with nothing in it points at this one. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
/** Files of Dash's own besides the ledger. */
const CARD_FILES = new Set(["dash.svg", "dash.png"]);

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
    let text: string | undefined;
    try {
      const { data } = await this.api.request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...this.repo,
        path: LEDGER_PATH,
        ref: head,
        // The JSON form carries a file's content only up to 1 MB; the raw form carries any file GitHub keeps.
        headers: { accept: "application/vnd.github.raw+json" },
      });
      text = textOf(data);
    } catch (err) {
      if (status(err) !== 404) throw err;
      // A branch without our file starts a fresh ledger on top of it only when it holds nothing (an
      // empty branch made by hand): each commit's tree holds only Dash's files, so on a branch with
      // files of its own (`state-branch: main`, say) the next commit would leave none of them.
      if (await this.#holdsFiles(head)) {
        throw new Error(
          `The state branch "${this.branch}" exists and holds files, but no ${LEDGER_PATH}: it is not Dash's, and Dash's commits there would replace its files. Set \`state-branch\` to a branch of Dash's own (the default, "repositori", is created on the first run).`,
        );
      }
      return { ledger: emptyLedger(), head };
    }
    const where = `${LEDGER_PATH} on the state branch "${this.branch}"`;
    if (text === undefined) throw new Error(`GitHub answered without the content of ${where}.`);
    try {
      return { ledger: parseLedger(text), head };
    } catch (err) {
      throw new Error(
        `${where} cannot be read: ${(err as Error).message}. Restore it from the branch's history, or delete the branch to start Dash over.`,
      );
    }
  }

  /** Whether the commit `sha` holds files other than Dash's cards (a Dash branch that lost only dash.json does not). */
  async #holdsFiles(sha: string): Promise<boolean> {
    const { data: commit } = await this.api.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      ...this.repo,
      commit_sha: sha,
    });
    const treeSha = (commit as { tree: { sha: string } }).tree.sha;
    if (treeSha === EMPTY_TREE) return false;
    try {
      const { data: tree } = await this.api.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
        ...this.repo,
        tree_sha: treeSha,
      });
      const paths = ((tree as { tree?: { path?: unknown }[] }).tree ?? []).map((e) => String(e.path));
      return paths.some((p) => !CARD_FILES.has(p));
    } catch (err) {
      if (status(err) === 404) return false;
      throw err;
    }
  }

  /** Commits `files` on top of `parent`; returns false when someone else moved the branch first. */
  async write(files: readonly BranchFile[], parent: string | null, message: string): Promise<boolean> {
    const sized = files.map((f) => ({
      ...f,
      bytes: typeof f.content === "string" ? Buffer.byteLength(f.content, "utf8") : f.content.byteLength,
    }));
    // Checked before anything is written, so the branch keeps its last readable state.
    for (const f of sized) {
      if (f.bytes >= MAX_FILE_BYTES) {
        throw new Error(
          `${f.path} would be ${(f.bytes / 1e6).toFixed(1)} MB, over GitHub's 100 MB limit for one file, so the state branch "${this.branch}" was left as it is. Delete the branch to start Dash over.`,
        );
      }
    }
    const tree = [];
    let inline = 0;
    for (const f of sized) {
      if (typeof f.content === "string" && inline + f.bytes <= INLINE_TEXT_BYTES) {
        inline += f.bytes;
        tree.push({ path: f.path, mode: "100644", type: "blob", content: f.content });
        continue;
      }
      const { data } = await this.api.request("POST /repos/{owner}/{repo}/git/blobs", {
        ...this.repo,
        ...(typeof f.content === "string"
          ? { content: f.content, encoding: "utf-8" }
          : { content: Buffer.from(f.content).toString("base64"), encoding: "base64" }),
      });
      tree.push({ path: f.path, mode: "100644", type: "blob", sha: (data as { sha: string }).sha });
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
      // A rule on the branch (a ruleset, branch protection) will not let go by retrying: say so now.
      // Any other 422 or 409 is taken for a race with another run (GitHub answers those with several
      // messages: not a fast forward, already exists, cannot be updated, update failed …), which a
      // fresh read and another attempt resolve.
      const message = String((err as { message?: unknown }).message ?? "");
      if (status(err) === 422 && /rule violation|protected branch|protected ref/i.test(message)) {
        throw new Error(
          `GitHub refused to move the state branch "${this.branch}": ${message.split("\n")[0]}. A branch protection rule or a ruleset covers it: exempt that branch or set \`state-branch\` to another one.`,
        );
      }
      if (status(err) === 422 || status(err) === 409) return false;
      throw err;
    }
  }
}

/**
 * The file's text from a raw-media-type answer: octokit hands a body labelled UTF-8 over as a string
 * and any other as an ArrayBuffer. Undefined when the answer carries no content.
 */
export function textOf(data: unknown): string | undefined {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
  if (data === null || typeof data !== "object") return undefined;
  const file = data as { type?: unknown; content?: unknown; encoding?: unknown };
  // A server that ignores the media type answers with the JSON form, whose content stops at 1 MB.
  if (file.type === "file") {
    return file.encoding === "base64" && typeof file.content === "string"
      ? Buffer.from(file.content, "base64").toString("utf8")
      : undefined;
  }
  // A raw body labelled as JSON arrives parsed already.
  return JSON.stringify(data);
}
