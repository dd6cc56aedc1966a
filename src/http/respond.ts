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

/** Whether `req` is for `path` (which has no trailing slash), with or without trailing slashes. */
export function isPath(req: IncomingMessage, path: string): boolean {
  // The usual request names the path exactly (every webhook delivery does): no URL to parse.
  if (req.url === path) return true;
  const pathname = urlOf(req)?.pathname;
  return pathname !== undefined && (pathname.replace(/\/+$/, "") || "/") === path;
}

/** The longest name a path segment may hold: GitHub's repo names stop at 100 characters, logins sooner. */
export const MAX_NAME_LENGTH = 100;

/**
 * Decodes one path segment naming an owner, a repo or a user; null when it is malformed
 * percent-encoding or cannot be a GitHub name: longer than MAX_NAME_LENGTH, or holding a control
 * character (NUL, which PostgreSQL refuses in text, among them). Such a name is never looked up, so
 * made-up URLs cannot fill the stores' lookup caches with long keys.
 */
export function segment(value: string | undefined): string | null {
  if (value === undefined) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return null;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  return decoded.length <= MAX_NAME_LENGTH && !/[\u0000-\u001f\u007f]/.test(decoded) ? decoded : null;
}
