import type { IncomingMessage } from "node:http";
import { type HttpHandler, sendJson, urlOf } from "./respond.js";

// GitHub's event names and delivery ids (UUIDs) are short and plain; anything else is not GitHub.
const EVENT_NAME = /^[a-z_]{1,50}$/;
const DELIVERY_ID = /^[\w-]{1,100}$/;

/**
 * The webhook's front door, before Probot sees a request: the body is read with a size ceiling (an
 * oversized or endless body is refused with 413 instead of being buffered) and handed on as
 * `req.body`, which the webhooks middleware verifies against the signature as is. Requests that no
 * GitHub delivery looks like are refused with 400 and what is wrong: event and delivery headers
 * that are empty or not plain names (a delivery id is the key of exactly-once feeding), and bodies
 * that are not a JSON object. Checked without parsing the body, which Probot parses anyway.
 */
export function webhookIntake(opts: { path: string; maxBytes: number; next: HttpHandler }): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname.replace(/\/+$/, "") !== opts.path || req.method !== "POST") return opts.next(req, res);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > opts.maxBytes) {
      req.resume();
      return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
    }
    const body = await readLimited(req, opts.maxBytes);
    if (body === null) return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
    // Other content types are left to the middleware, which answers 415 with what it accepts.
    const json = /json/i.test(String(req.headers["content-type"] ?? ""));
    const problem =
      headerProblem(req) ?? (json && !body.trimStart().startsWith("{") ? "the payload must be a JSON object" : null);
    if (problem) return sendJson(res, 400, { error: `Not a GitHub webhook delivery: ${problem}` });
    (req as IncomingMessage & { body?: string }).body = body;
    return opts.next(req, res);
  };
}

function headerProblem(req: IncomingMessage): string | null {
  const event = req.headers["x-github-event"];
  const delivery = req.headers["x-github-delivery"];
  // A missing header is left to the webhooks middleware, which names every one missing.
  if (typeof event === "string" && !EVENT_NAME.test(event)) {
    return "x-github-event must be an event name (lower-case letters and _)";
  }
  if (typeof delivery === "string" && !DELIVERY_ID.test(delivery)) {
    return "x-github-delivery must be an id of letters, digits, - and _ (at most 100)";
  }
  return null;
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
