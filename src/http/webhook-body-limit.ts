import type { IncomingMessage } from "node:http";
import { type HttpHandler, sendJson, urlOf } from "./respond.js";

/**
 * Reads the webhook body with a size ceiling before Probot sees it, so an oversized or endless body is
 * refused with 413 instead of being buffered. The text is handed on as `req.body`, which the webhooks
 * middleware verifies against the signature as is.
 */
export function webhookBodyLimit(opts: { path: string; maxBytes: number; next: HttpHandler }): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname.replace(/\/+$/, "") !== opts.path || req.method !== "POST") return opts.next(req, res);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > opts.maxBytes) {
      req.resume();
      return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
    }
    const body = await readLimited(req, opts.maxBytes);
    if (body === null) return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
    (req as IncomingMessage & { body?: string }).body = body;
    return opts.next(req, res);
  };
}

function readLimited(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}
