import type { BlobStore } from "../blob/blob-store.js";
import { byteRange, type RangeAnswer } from "../http/byte-range.js";
import { type HttpHandler, sendJson, urlOf } from "../http/respond.js";

const AUDIO_PATH = /^\/audio\/([0-9a-f]{64})\.mp3$/;

/**
 * `GET /audio/:key.mp3`: a spoken reaction from the blob store. Keys are content addresses, so the
 * answer never changes: a year-long immutable cache, and the hash itself as a strong ETag. Byte
 * ranges are served (players seek with them, and Safari plays nothing without them).
 */
export function audioRoute(blobs: BlobStore): HttpHandler {
  return async (req, res) => {
    const path = urlOf(req)?.pathname ?? "";
    if (!path.startsWith("/audio/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { error: "Only GET is supported" }, { allow: "GET, HEAD" });
    }
    const match = AUDIO_PATH.exec(path);
    if (!match) return sendJson(res, 404, { error: "No such audio (expected /audio/<64 hex digits>.mp3)" });
    const hash = match[1] ?? "";
    const etag = `"${hash}"`;
    const headers = {
      etag,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      "access-control-allow-origin": "*",
      "accept-ranges": "bytes",
    };
    const ifNoneMatch = req.headers["if-none-match"];
    if (ifNoneMatch?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag || t.trim() === "*")) {
      // Only answer 304 for audio we really have, so a stale tag cannot hide a missing file.
      if (await blobs.exists(`audio/${hash}.mp3`)) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }
    }
    const blob = await blobs.get(`audio/${hash}.mp3`);
    if (!blob) return sendJson(res, 404, { error: "No such audio" }, { "cache-control": "no-cache" });
    const size = blob.body.length;
    // If-Range names the version the client holds a part of; the key's hash is the only version.
    const ifRange = req.headers["if-range"];
    const range: RangeAnswer =
      ifRange === undefined || ifRange === etag ? byteRange(req.headers.range, size) : { kind: "whole" };
    if (range.kind === "unsatisfiable") {
      res.writeHead(416, { ...headers, "content-range": `bytes */${size}` });
      res.end();
      return true;
    }
    const body = range.kind === "part" ? blob.body.subarray(range.start, range.end + 1) : blob.body;
    res.writeHead(range.kind === "part" ? 206 : 200, {
      ...headers,
      "content-type": "audio/mpeg",
      "content-length": body.length,
      ...(range.kind === "part" ? { "content-range": `bytes ${range.start}-${range.end}/${size}` } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
