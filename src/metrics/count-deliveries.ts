import type { HttpHandler } from "../http/respond.js";
import { urlOf } from "../http/respond.js";
import { webhookDeliveries, webhookSeconds } from "./registry.js";

const EVENT_NAME = /^[a-z_]{1,50}$/;

function outcomeOf(status: number): string {
  if (status >= 200 && status < 300) return "accepted";
  if (status >= 400 && status < 500) return "rejected";
  return "failed";
}

/**
 * Wraps the webhook route to count each delivery by event and outcome when its answer is sent.
 * Rejected deliveries (bad signature, too large) are labelled `unverified`: their event header is
 * not trusted, so a stranger cannot invent label values.
 */
export function countDeliveries(webhookPath: string, handler: HttpHandler): HttpHandler {
  return (req, res) => {
    if (req.method === "POST" && urlOf(req)?.pathname === webhookPath) {
      const started = process.hrtime.bigint();
      const header = req.headers["x-github-event"];
      const claimed = typeof header === "string" && EVENT_NAME.test(header) ? header : "unknown";
      let counted = false;
      const count = (outcome: string) => {
        if (counted) return;
        counted = true;
        const event = outcome === "rejected" ? "unverified" : claimed;
        webhookDeliveries.inc({ event, outcome });
        webhookSeconds.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      res.once("finish", () => count(outcomeOf(res.statusCode)));
      res.once("close", () => count("aborted"));
    }
    return handler(req, res);
  };
}
