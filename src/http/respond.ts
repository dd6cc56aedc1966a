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

/** The request's path and query, parsed once; null for an unparseable URL. */
export function urlOf(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return null;
  }
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
