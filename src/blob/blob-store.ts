/** A stored object: its bytes and the media type it is served with. */
export interface BlobObject {
  body: Buffer;
  contentType: string;
}

/**
 * Where generated files (spoken reactions, cards) live: a local folder by default, S3 for several
 * replicas. Keys are content addresses chosen by the caller, so an object never changes once written.
 */
export interface BlobStore {
  readonly kind: "file" | "s3";
  /** Writes (or overwrites with the same bytes) the object at `key`. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** The object, or null when nothing is stored at `key`. */
  get(key: string): Promise<BlobObject | null>;
  exists(key: string): Promise<boolean>;
  /** A link a browser can open, for as long as the object exists: the bucket's public URL or the App's own route. */
  url(key: string): Promise<string>;
  close?(): Promise<void>;
}

/** Thrown for a key that could escape the store's folder or prefix (`..`, absolute paths, odd characters). */
export class BlobKeyError extends Error {}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks a key before it becomes a path or an S3 key: slash-separated segments that each start with a
 * letter or digit, so `.`, `..`, empty segments, backslashes and absolute paths can never appear.
 */
export function checkBlobKey(key: string): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 512) {
    throw new BlobKeyError("blob key must be 1–512 characters");
  }
  for (const part of key.split("/")) {
    if (!SEGMENT.test(part)) throw new BlobKeyError(`blob key has an unsafe segment: ${JSON.stringify(part)}`);
  }
  return key;
}

const TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  png: "image/png",
  svg: "image/svg+xml",
  json: "application/json",
};

/** The media type implied by a key's extension (the folder store keeps no metadata beside the bytes). */
export function contentTypeOfKey(key: string): string {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}
