import type { IncomingMessage, ServerResponse } from "node:http";
import { type HttpHandler, isPath, sendJson, urlOf } from "./respond.js";

// GitHub's event names and delivery ids (UUIDs) are short and plain; anything else is not GitHub.
const EVENT_NAME = /^[a-z][a-z0-9_]{0,49}$/;
const DELIVERY_ID = /^[\w-]{1,100}$/;

/**
 * The webhook's front door, before Probot sees a request: the body is read with a size ceiling (an
 * oversized or endless body is refused with 413 instead of being buffered) and handed on as
 * `req.body`, which the webhooks middleware verifies against the signature as is. Requests that no
 * GitHub delivery looks like are refused with 400 and what is wrong: event and delivery headers
 * that are empty or not plain names (a delivery id is the key of exactly-once feeding), and bodies
 * that are not a JSON object. Checked without parsing the body, which Probot parses anyway.
 */
export function webhookIntake(opts: {
  path: string;
  maxBytes: number;
  next: HttpHandler;
  /** How long a body may take to arrive (default 10 s, GitHub's own limit for the whole delivery). */
  bodyWithinMs?: number;
}): HttpHandler {
  // Bodies are held in memory until their delivery is handled; bounding them all together (not
  // only each one) keeps a flood of large unsigned posts from taking the process's memory. Real
  // deliveries are a few kilobytes each; four of the largest GitHub sends fit at once.
  const budget = { left: opts.maxBytes * 4 };
  return async (req, res) => {
    if (!isPath(req, opts.path) || req.method !== "POST") return opts.next(req, res);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > opts.maxBytes) {
      req.resume();
      return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
    }
    const problem = headerProblem(req);
    if (problem) {
      req.resume();
      return refuse(res, problem);
    }
    const held = { bytes: 0 };
    try {
      const body = await readLimited(req, opts.maxBytes, budget, held, opts.bodyWithinMs ?? 10_000);
      if (body === "aborted") {
        // The sender hung up before its body was in: nobody is left to answer, and nothing went wrong here.
        res.destroy();
        return true;
      }
      if (body === "too large") return sendJson(res, 413, { error: `Payload larger than ${opts.maxBytes} bytes` });
      if (body === "too slow") {
        // A body trickling in holds its share of the budget: it gets the time GitHub itself gives.
        res.setHeader("connection", "close");
        sendJson(res, 408, { error: "The payload did not arrive in time" });
        req.destroy();
        return true;
      }
      if (body === "busy") {
        res.setHeader("retry-after", "5");
        return sendJson(res, 503, { error: "Too many large webhook payloads at once; try again shortly" });
      }
      // Other content types are left to the middleware, which answers 415 with what it accepts.
      const json = /json/i.test(String(req.headers["content-type"] ?? ""));
      if (json && !body.trimStart().startsWith("{")) return refuse(res, "the payload must be a JSON object");
      (req as IncomingMessage & { body?: string }).body = body;
      // The webhooks middleware compares the whole URL with its path after trimming trailing slashes:
      // `/api/github/webhooks/?x=1` would be a 404 there. It gets the path as configured.
      if (req.url !== opts.path) req.url = `${opts.path}${urlOf(req)?.search ?? ""}`;
      return await opts.next(req, res);
    } finally {
      budget.left += held.bytes;
    }
  };
}

function refuse(res: ServerResponse, problem: string): boolean {
  return sendJson(res, 400, { error: `Not a GitHub webhook delivery: ${problem}` });
}

function headerProblem(req: IncomingMessage): string | null {
  const event = req.headers["x-github-event"];
  const delivery = req.headers["x-github-delivery"];
  // A missing header is left to the webhooks middleware, which names every one missing.
  if (typeof event === "string" && !EVENT_NAME.test(event)) {
    return "x-github-event must be an event name (lower-case letters, digits and _)";
  }
  if (typeof delivery === "string" && !DELIVERY_ID.test(delivery)) {
    return "x-github-delivery must be an id of letters, digits, - and _ (at most 100)";
  }
  return null;
}

/**
 * Reads the body, up to `maxBytes`, taking what it holds from `budget` (and counting it in `held`,
 * for the caller to give back once the delivery is handled).
 */
function readLimited(
  req: IncomingMessage,
  maxBytes: number,
  budget: { left: number },
  held: { bytes: number },
  withinMs: number,
): Promise<string | "too large" | "busy" | "aborted" | "too slow"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let stopped = false;
    const stop = (why: "too large" | "busy" | "too slow") => {
      stopped = true;
      chunks.length = 0;
      clearTimeout(deadline);
      // The rest of the body is read and dropped, so that the answer reaches the client.
      resolve(why);
    };
    const deadline = setTimeout(() => stop("too slow"), withinMs);
    req.on("data", (chunk: Buffer) => {
      if (stopped) return;
      if (held.bytes + chunk.length > maxBytes) return stop("too large");
      if (chunk.length > budget.left) return stop("busy");
      budget.left -= chunk.length;
      held.bytes += chunk.length;
      chunks.push(chunk);
    });
    req.on("end", () => {
      clearTimeout(deadline);
      if (!stopped) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    const aborted = () => {
      clearTimeout(deadline);
      resolve("aborted");
    };
    req.on("error", aborted);
    req.on("aborted", aborted);
  });
}
