import type { IncomingMessage, ServerResponse } from "node:http";

/** A route: answers and returns true, or returns false to let the next route try. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
  return true;
}

export function sendText(res: ServerResponse, status: number, text: string, type = "text/plain; charset=utf-8"): true {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    "x-content-type-options": "nosniff",
  });
  res.end(text);
  return true;
}

const parsedUrls = new WeakMap<IncomingMessage, { url: string | undefined; parsed: URL | null }>();

/**
 * The request's path and query, parsed once per request (several handlers ask; callers only read
 * it); null for an unparseable URL.
 */
export function urlOf(req: IncomingMessage): URL | null {
  const seen = parsedUrls.get(req);
  if (seen && seen.url === req.url) return seen.parsed;
  let parsed: URL | null;
  try {
    parsed = new URL(req.url ?? "/", "http://localhost");
  } catch {
    parsed = null;
  }
  parsedUrls.set(req, { url: req.url, parsed });
  return parsed;
}

/** Decodes one path segment; null when it is malformed percent-encoding. */
export function segment(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
