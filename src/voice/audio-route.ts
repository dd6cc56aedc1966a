import type { BlobStore } from "../blob/blob-store.js";
import { type HttpHandler, sendJson, urlOf } from "../http/respond.js";

const AUDIO_PATH = /^\/audio\/([0-9a-f]{64})\.mp3$/;

/**
 * `GET /audio/:key.mp3`: a spoken reaction from the blob store. Keys are content addresses, so the
 * answer never changes: a year-long immutable cache, and the hash itself as a strong ETag.
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
    res.writeHead(200, { ...headers, "content-type": "audio/mpeg", "content-length": blob.body.length });
    res.end(req.method === "HEAD" ? undefined : blob.body);
    return true;
  };
}
