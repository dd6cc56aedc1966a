import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../config/env.js";
import { EnvError } from "../config/env.js";
import type { BlobStore } from "./blob-store.js";
import { FsBlobStore } from "./fs.js";

/** Thrown when `BLOB_URL` cannot be understood; the message says what is expected (shown without a stack). */
export class BlobUrlError extends EnvError {}

export type BlobTarget = { kind: "file"; root: string } | { kind: "s3"; bucket: string; prefix: string };

/** Parses `BLOB_URL`: `file:<dir>` (relative to `cwd`), `file:///abs/dir`, or `s3://bucket/prefix`. */
export function parseBlobUrl(url: string, cwd = process.cwd()): BlobTarget {
  if (url.startsWith("file://")) return { kind: "file", root: fileURLToPath(url) };
  if (url.startsWith("file:")) {
    const path = url.slice("file:".length);
    if (path === "") throw new BlobUrlError("BLOB_URL file: needs a folder, e.g. file:./data/blobs");
    return { kind: "file", root: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (url.startsWith("s3://")) {
    const rest = url.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? "" : rest.slice(slash + 1).replace(/^\/+/, "");
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new BlobUrlError(`BLOB_URL names an invalid S3 bucket "${bucket}" (expected s3://bucket/prefix)`);
    }
    return { kind: "s3", bucket, prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/` };
  }
  const got = url.includes(":")
    ? `"${url.split(":")[0]}:…"`
    : `"${url.slice(0, 60)}", which has no scheme; for a folder write file:${url.slice(0, 60)}`;
  throw new BlobUrlError(`BLOB_URL must start with file: or s3:// (got ${got})`);
}

/** Opens the blob store named by the environment (`BLOB_URL`, `S3_*`, `PUBLIC_URL`). */
export async function openBlobStore(
  env: Pick<Env, "BLOB_URL" | "PUBLIC_URL" | "S3_REGION" | "S3_ENDPOINT" | "S3_PUBLIC_URL">,
  cwd = process.cwd(),
  /** Told once when S3 refuses a read (a missing s3:ListBucket, see S3BlobStore). */
  onReadRefused?: (message: string) => void,
): Promise<BlobStore> {
  const target = parseBlobUrl(env.BLOB_URL, cwd);
  if (target.kind === "file") return new FsBlobStore({ root: target.root, publicUrl: env.PUBLIC_URL });
  // Loaded on demand: a folder-only deployment never pays for the S3 client's start-up.
  const { S3BlobStore } = await import("./s3.js");
  return new S3BlobStore({
    bucket: target.bucket,
    prefix: target.prefix,
    region: env.S3_REGION,
    appUrl: env.PUBLIC_URL,
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    ...(env.S3_PUBLIC_URL ? { publicUrl: env.S3_PUBLIC_URL } : {}),
    ...(onReadRefused ? { onReadRefused } : {}),
  });
}
