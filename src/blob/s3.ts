import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { type BlobObject, type BlobStore, checkBlobKey, contentTypeOfKey } from "./blob-store.js";

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key; empty or ending in `/`. */
  prefix: string;
  region: string;
  /** S3-compatible endpoint (MinIO, R2, s3rver); path-style addressing is used when set. */
  endpoint?: string;
  /** Public base URL of the bucket (a CDN or website endpoint). */
  publicUrl?: string;
  /**
   * The App's own base URL (`PUBLIC_URL`), linked to when the bucket has no public URL: its routes
   * serve from this bucket. Links end up in PR comments that are shown for years, and a presigned link
   * would stop working after seven days at most.
   */
  appUrl: string;
  /** Defaults to the AWS SDK's credential chain (environment, profile, instance role). */
  credentials?: S3ClientConfig["credentials"];
}

/**
 * Blobs in an S3 bucket, for several App replicas (or a Lambda) sharing one store. Objects are written
 * with a year-long immutable cache header because keys are content addresses.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = "s3" as const;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #publicUrl: string | undefined;
  readonly #appUrl: string;

  constructor(opts: S3BlobStoreOptions) {
    this.#bucket = opts.bucket;
    this.#prefix = opts.prefix === "" || opts.prefix.endsWith("/") ? opts.prefix : `${opts.prefix}/`;
    this.#publicUrl = opts.publicUrl?.replace(/\/+$/, "");
    this.#appUrl = opts.appUrl.replace(/\/+$/, "");
    this.#client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
  }

  #key(key: string): string {
    return this.#prefix + checkBlobKey(key);
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#key(key),
        Body: body,
        ContentType: contentType,
        CacheControl: "public, max-age=31536000, immutable",
      }),
    );
  }

  async get(key: string): Promise<BlobObject | null> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      if (!out.Body) return null;
      const body = Buffer.from(await out.Body.transformToByteArray());
      return { body, contentType: out.ContentType ?? contentTypeOfKey(key) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async url(key: string): Promise<string> {
    const full = this.#key(key);
    if (this.#publicUrl) return `${this.#publicUrl}/${full.split("/").map(encodeURIComponent).join("/")}`;
    // The App's routes know nothing of the prefix: they ask this store by key.
    return `${this.#appUrl}/${checkBlobKey(key)}`;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}
