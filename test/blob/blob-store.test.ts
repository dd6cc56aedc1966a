import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobKeyError, type BlobStore, checkBlobKey } from "../../src/blob/blob-store.js";
import { FsBlobStore } from "../../src/blob/fs.js";
import { BlobUrlError, openBlobStore, parseBlobUrl } from "../../src/blob/open-blob-store.js";
import { S3BlobStore } from "../../src/blob/s3.js";
import { audioRoute } from "../../src/voice/audio-route.js";
import { http } from "../helpers/http.js";
import { type LocalS3, startLocalS3 } from "./s3rver-server.js";

const MP3_KEY = "audio/0123456789abcdef.mp3";
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256));

/** The one contract every blob store meets; run against the folder store and S3 (s3rver). */
function contract(name: string, open: () => Promise<{ store: BlobStore; done: () => Promise<void> }>) {
  describe(`${name} blob store`, () => {
    let store: BlobStore;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ store, done } = await open());
    });
    afterAll(async () => {
      await store.close?.();
      await done();
    });

    it("round-trips binary bytes with their media type", async () => {
      const body = bytes(70_000);
      await store.put(MP3_KEY, body, "audio/mpeg");
      const got = await store.get(MP3_KEY);
      expect(got?.contentType).toBe("audio/mpeg");
      expect(got?.body.equals(body)).toBe(true);
      expect(await store.exists(MP3_KEY)).toBe(true);
    });

    it("answers null and false for a key that holds nothing", async () => {
      expect(await store.get("audio/ffffffff.mp3")).toBeNull();
      expect(await store.exists("audio/ffffffff.mp3")).toBe(false);
      expect(await store.exists("nothing-here/at-all.mp3")).toBe(false);
    });

    it("overwrites a key with the same content without complaint", async () => {
      await store.put("audio/twice.mp3", bytes(10), "audio/mpeg");
      await store.put("audio/twice.mp3", bytes(10), "audio/mpeg");
      expect((await store.get("audio/twice.mp3"))?.body.equals(bytes(10))).toBe(true);
    });

    it.each([
      "../escape.mp3",
      "audio/../../etc/passwd",
      "/etc/passwd",
      "audio//double.mp3",
      "audio/.hidden",
      "audio\\..\\win.mp3",
      "",
      "audio/%2e%2e/x.mp3",
    ])("refuses the unsafe key %j everywhere", async (key) => {
      await expect(store.put(key, bytes(1), "audio/mpeg")).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.exists(key)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.url(key)).rejects.toBeInstanceOf(BlobKeyError);
    });

    it("gives a link that serves the stored bytes", async () => {
      const url = await store.url(MP3_KEY);
      expect(url).toMatch(/^https?:\/\//);
      if (store.kind === "s3") {
        const res = await http(url);
        expect(res.status).toBe(200);
        expect(res.body.equals(bytes(70_000))).toBe(true);
      } else {
        expect(url).toBe(`http://dash.test/${MP3_KEY}`);
      }
    });
  });
}

contract("folder", async () => {
  const root = await mkdtemp(join(tmpdir(), "blobs-"));
  return {
    store: new FsBlobStore({ root, publicUrl: "http://dash.test/" }),
    done: async () => {
      // No temporary files are left behind by the atomic writes.
      const left = await readdir(join(root, "audio"));
      expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
      await rm(root, { recursive: true, force: true });
    },
  };
});

let s3: LocalS3;
contract("S3 (s3rver)", async () => {
  s3 = await startLocalS3();
  return {
    // s3rver serves objects to anyone, like a public bucket.
    store: s3.blobStore({ publicUrl: `${s3.endpoint}/${s3.bucket}` }),
    done: () => s3.close(),
  };
});

describe("S3 links and BLOB_URL", () => {
  it("builds public links under S3_PUBLIC_URL with the prefix", async () => {
    const store = new S3BlobStore({
      bucket: "b",
      prefix: "p",
      region: "us-east-1",
      publicUrl: "https://cdn.example.com/",
      appUrl: "https://dash.example.com",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    });
    expect(await store.url(MP3_KEY)).toBe(`https://cdn.example.com/p/${MP3_KEY}`);
    await store.close();
  });

  it("links to the App's own audio route without a public URL: links that never expire", async () => {
    const s3 = await startLocalS3("private-audio");
    const server = createServer();
    try {
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const store = s3.blobStore({ appUrl: `${appUrl}/` });
      const route = audioRoute(store);
      server.on("request", (req, res) => {
        void route(req, res).then((answered) => {
          if (!answered) res.writeHead(404).end();
        });
      });
      const key = `audio/${"c0".repeat(32)}.mp3`;
      await store.put(key, bytes(5000), "audio/mpeg");

      const url = await store.url(key);
      expect(url).toBe(`${appUrl}/${key}`);
      expect(url).not.toMatch(/X-Amz-|Signature|Expires/i);
      const res = await http(url);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("audio/mpeg");
      expect(res.body.equals(bytes(5000))).toBe(true);
      await store.close();
    } finally {
      await new Promise((done) => server.close(done));
      await s3.close();
    }
  });

  it("counts a refused read as missing and tells the operator once what to grant", async () => {
    // S3 as it answers an identity without s3:ListBucket: 403 AccessDenied for a key that is not there.
    // Any other refusal (here a bad signature, for one key) stays an error.
    const seen: string[] = [];
    const s3 = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ""}`);
      req.resume();
      const code = req.url?.includes("bad-signature") ? "SignatureDoesNotMatch" : "AccessDenied";
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        req.method === "HEAD"
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>refused</Message></Error>`,
      );
    });
    await new Promise<void>((done) => s3.listen(0, "127.0.0.1", done));
    const told: string[] = [];
    const store = new S3BlobStore({
      bucket: "least-privilege",
      prefix: "dash/",
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(s3.address() as AddressInfo).port}`,
      appUrl: "https://dash.example.com",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      onReadRefused: (message) => told.push(message),
    });
    try {
      expect(await store.get(MP3_KEY)).toBeNull();
      expect(await store.exists(MP3_KEY)).toBe(false);
      expect(await store.get(MP3_KEY)).toBeNull();
      expect(seen).toEqual([
        `GET /least-privilege/dash/${MP3_KEY}?x-id=GetObject`,
        `HEAD /least-privilege/dash/${MP3_KEY}`,
        `GET /least-privilege/dash/${MP3_KEY}?x-id=GetObject bytes=0-0`,
        `GET /least-privilege/dash/${MP3_KEY}?x-id=GetObject`,
      ]);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/HTTP 403.*s3:ListBucket on the bucket and s3:GetObject on "dash\/"/);
      const bad = "audio/bad-signature.mp3";
      await expect(store.get(bad)).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
      await expect(store.exists(bad)).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    } finally {
      await store.close();
      await new Promise((done) => s3.close(done));
    }
  });

  it("opens S3 with links through PUBLIC_URL unless S3_PUBLIC_URL is set", async () => {
    const env = {
      BLOB_URL: "s3://my-bucket/dash",
      PUBLIC_URL: "https://dash.example.com",
      S3_REGION: "us-east-1",
      S3_ENDPOINT: undefined,
      S3_PUBLIC_URL: undefined,
    };
    const key = `audio/${"d1".repeat(32)}.mp3`;
    const viaApp = await openBlobStore(env);
    expect(await viaApp.url(key)).toBe(`https://dash.example.com/${key}`);
    await viaApp.close?.();
    const viaCdn = await openBlobStore({ ...env, S3_PUBLIC_URL: "https://cdn.example.com" });
    expect(await viaCdn.url(key)).toBe(`https://cdn.example.com/dash/${key}`);
    await viaCdn.close?.();
  });

  it("parses file: and s3:// URLs and explains bad ones", () => {
    expect(parseBlobUrl("file:./data/blobs", "/srv/app")).toEqual({ kind: "file", root: "/srv/app/data/blobs" });
    expect(parseBlobUrl("file:///var/blobs")).toEqual({ kind: "file", root: "/var/blobs" });
    expect(parseBlobUrl("s3://my-bucket/dash/audio")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "dash/audio/",
    });
    expect(parseBlobUrl("s3://my-bucket")).toEqual({ kind: "s3", bucket: "my-bucket", prefix: "" });
    expect(() => parseBlobUrl("ftp://x")).toThrow(BlobUrlError);
    expect(() => parseBlobUrl("s3://Bad_Bucket/x")).toThrow(/invalid S3 bucket/);
    expect(() => parseBlobUrl("file:")).toThrow(/needs a folder/);
  });

  it("opens the folder store by default", async () => {
    const store = await openBlobStore(
      {
        BLOB_URL: "file:./data/blobs",
        PUBLIC_URL: "https://dash.example.com",
        S3_REGION: "us-east-1",
        S3_ENDPOINT: undefined,
        S3_PUBLIC_URL: undefined,
      },
      "/tmp/nowhere",
    );
    expect(store.kind).toBe("file");
    expect(await store.url(MP3_KEY)).toBe(`https://dash.example.com/${MP3_KEY}`);
  });

  it("accepts well-formed keys", () => {
    expect(checkBlobKey("audio/abc_def-1.mp3")).toBe("audio/abc_def-1.mp3");
  });
});
