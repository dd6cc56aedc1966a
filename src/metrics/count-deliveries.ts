import type { HttpHandler } from "../http/respond.js";
import { isPath } from "../http/respond.js";
import { webhookDeliveries, webhookSeconds } from "./registry.js";

/**
 * The events a label may name: those app.yml subscribes to and those GitHub sends every App. A
 * signed body can be replayed under any event header (the signature covers the body only), so any
 * other name is counted as `other` rather than growing the metric without bound.
 */
const LABELLED_EVENTS = new Set([
  "push",
  "issues",
  "issue_comment",
  "pull_request",
  "pull_request_review",
  "installation",
  "installation_repositories",
  "installation_target",
  "github_app_authorization",
  "ping",
]);

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
    if (req.method === "POST" && isPath(req, webhookPath)) {
      const started = process.hrtime.bigint();
      const header = req.headers["x-github-event"];
      const claimed = typeof header === "string" && LABELLED_EVENTS.has(header) ? header : "other";
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
