import type { Logger } from "pino";
import type { Store } from "../store/store.js";
import { isUnreachable } from "../store/unreachable.js";
import { type HttpHandler, sendJson, urlOf } from "./respond.js";

/**
 * `GET /healthz`: 200 when the store answers, 503 when it does not. The endpoint is public, so the
 * answer says only what kind of failure it is; the database's own message (hosts, user names) goes to
 * the log, once when the store fails and once when it is back, however often a load balancer asks.
 */
export function healthRoute(deps: { store: Store; configured: boolean; version: string; log: Logger }): HttpHandler {
  let failing = false;
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/healthz") return false;
    try {
      await deps.store.ping();
    } catch (err) {
      if (!failing) deps.log.error({ err }, "health check: the store does not answer");
      failing = true;
      const store = isUnreachable(err) ? "database unreachable" : "database error";
      return sendJson(res, 503, { status: "error", store, hint: "the server's log has the database's message" });
    }
    if (failing) deps.log.info("health check: the store answers again");
    failing = false;
    return sendJson(res, 200, {
      status: "ok",
      store: "ok",
      githubApp: deps.configured ? "configured" : "not registered",
      version: deps.version,
    });
  };
}
