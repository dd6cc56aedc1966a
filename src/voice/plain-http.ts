import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The request did not complete: connection refused, reset, timed out, or the answer was too large. */
export class PlainHttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * One HTTP request with node:http(s), a hard deadline and a size cap. (The VOICEVOX engine usually
 * runs next to the caller, often on loopback; node:http reaches it the same way in every runtime.)
 */
export function plainRequest(
  url: string,
  opts: {
    method: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs: number;
    maxBytes: number;
  },
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = send(
      target,
      {
        method: opts.method,
        headers: { ...opts.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        timeout: opts.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const tooLarge = () => new PlainHttpError(`answer larger than ${opts.maxBytes} bytes`, "ETOOLARGE");
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            req.destroy(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        // The last chunk may both cross the cap and end the answer: never hand on a cut-short body.
        res.on("end", () =>
          size > opts.maxBytes
            ? reject(tooLarge())
            : resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", (err) => reject(asPlainError(err)));
      },
    );
    // `timeout` only watches for idle sockets; this deadline bounds the whole exchange.
    const deadline = setTimeout(
      () => req.destroy(new PlainHttpError(`no answer within ${opts.timeoutMs} ms`, "ETIMEDOUT")),
      opts.timeoutMs,
    );
    req.on("timeout", () => req.destroy(new PlainHttpError(`no answer within ${opts.timeoutMs} ms`, "ETIMEDOUT")));
    req.on("error", (err) => reject(asPlainError(err)));
    req.on("close", () => clearTimeout(deadline));
    req.end(body);
  });
}

function asPlainError(err: unknown): PlainHttpError {
  if (err instanceof PlainHttpError) return err;
  const e = err as { message?: string; code?: string };
  return new PlainHttpError(e.message ?? String(err), e.code ?? "EREQUEST");
}
