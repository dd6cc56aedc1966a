import type { Registry } from "prom-client";
import { type HttpHandler, sendJson, sendText, urlOf } from "../http/respond.js";
import { sameSecret } from "../same-secret.js";

/**
 * `GET /metrics`: the registry in Prometheus text format. With `token` set, only for requests that
 * present it as a bearer token (Prometheus: `authorization: { credentials: … }`), so the endpoint
 * can share the App's public port.
 */
export function metricsRoute(registry: Registry, opts: { token?: string | undefined } = {}): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    if (opts.token !== undefined) {
      const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
      if (!sameSecret(presented, opts.token)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return sendJson(res, 401, { error: "/metrics needs METRICS_TOKEN as a bearer token" });
      }
    }
    return sendText(res, 200, await registry.metrics(), registry.contentType);
  };
}
