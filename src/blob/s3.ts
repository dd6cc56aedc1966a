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
  /** Told once when S3 refused a read (see readRefused); the store then treats such keys as missing. */
  onReadRefused?: (message: string) => void;
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
  readonly #onReadRefused: ((message: string) => void) | undefined;
  #toldRefused = false;

  constructor(opts: S3BlobStoreOptions) {
    this.#onReadRefused = opts.onReadRefused;
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
      if (this.#readRefused(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (status(err) !== 403) throw err;
      // A HEAD answer has no body to say why it was refused: a one-byte read does.
      try {
        const out = await this.#client.send(
          new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), Range: "bytes=0-0" }),
        );
        // Its one byte read, so that the connection goes back to the pool.
        await out.Body?.transformToByteArray();
        return true;
      } catch (why) {
        if (isNotFound(why) || this.#readRefused(why)) return false;
        throw why;
      }
    }
  }

  /**
   * S3 answers a read of a key that does not exist with 403 AccessDenied rather than 404 when the
   * identity may not list the bucket (s3:ListBucket), a common least-privilege setup: every clip not
   * made yet would then be an error, and no spoken reaction would ever be made. Such a read counts as
   * missing, and the operator is told once what to grant. Other refusals (a bad key or signature, a
   * skewed clock) stay errors.
   */
  #readRefused(err: unknown): boolean {
    const e = err as { name?: string; Code?: string };
    if (status(err) !== 403 || (e.name !== "AccessDenied" && e.Code !== "AccessDenied")) return false;
    if (!this.#toldRefused) {
      this.#toldRefused = true;
      this.#onReadRefused?.(
        `S3 refused a read in bucket "${this.#bucket}" (HTTP 403); such keys are treated as missing. ` +
          "S3 answers 403 for a key that does not exist when the App's identity lacks s3:ListBucket on the bucket: " +
          `grant s3:ListBucket on the bucket and s3:GetObject on "${this.#prefix || "/"}" (see docs/scale.md)`,
      );
    }
    return true;
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

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}
