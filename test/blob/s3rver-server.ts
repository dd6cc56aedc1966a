import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { S3BlobStore, type S3BlobStoreOptions } from "../../src/blob/s3.js";

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The App's S3 blob store on this bucket (prefix `dash/`, the App at http://dash.test unless said). */
  blobStore(opts?: Partial<S3BlobStoreOptions>): S3BlobStore;
  close(): Promise<void>;
}

/** s3rver on an ephemeral loopback port with its data in a fresh temporary folder. */
export async function startLocalS3(bucket = "dash-test"): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  return {
    endpoint,
    bucket,
    credentials,
    blobStore: (opts = {}) =>
      new S3BlobStore({
        bucket,
        prefix: "dash/",
        region: "us-east-1",
        endpoint,
        credentials,
        appUrl: "http://dash.test",
        ...opts,
      }),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Runs `body` against a fresh local S3 with `bucket`, and stops it afterwards, whatever happens. */
export async function withLocalS3(bucket: string, body: (s3: LocalS3) => Promise<void>): Promise<void> {
  const s3 = await startLocalS3(bucket);
  try {
    await body(s3);
  } finally {
    await s3.close();
  }
}
