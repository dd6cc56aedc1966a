import type { Registry } from "prom-client";
import { type HttpHandler, sendText, urlOf } from "../http/respond.js";

/** `GET /metrics`: the registry in Prometheus text format. */
export function metricsRoute(registry: Registry): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    return sendText(res, 200, await registry.metrics(), registry.contentType);
  };
}
