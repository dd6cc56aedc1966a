import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { BlobKeyError, type BlobObject, type BlobStore, checkBlobKey, contentTypeOfKey } from "./blob-store.js";

/**
 * The default blob store: files under one folder, served by the App itself (so a link is
 * `PUBLIC_URL/<key>`, e.g. `/audio/<hash>.mp3`). Writes go to a temporary file first and are renamed
 * into place, so a reader never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = "file" as const;
  readonly #root: string;
  readonly #publicUrl: string;

  constructor(opts: { root: string; publicUrl: string }) {
    this.#root = resolve(opts.root);
    this.#publicUrl = opts.publicUrl.replace(/\/+$/, "");
  }

  #path(key: string): string {
    const path = resolve(this.#root, checkBlobKey(key));
    // The key check already forbids `..`; this second check guards against a future change to it.
    if (!path.startsWith(this.#root + sep)) throw new BlobKeyError("blob key resolves outside the store");
    return path;
  }

  async put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, body);
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<BlobObject | null> {
    try {
      return { body: await readFile(this.#path(key)), contentType: contentTypeOfKey(key) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async url(key: string): Promise<string> {
    return `${this.#publicUrl}/${checkBlobKey(key)}`;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
