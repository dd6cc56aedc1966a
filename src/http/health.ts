import type { Store } from "../store/store.js";
import { type HttpHandler, sendJson, urlOf } from "./respond.js";

/** `GET /healthz`: 200 when the store answers, 503 (with the reason) when it does not. */
export function healthRoute(deps: { store: Store; configured: boolean; version: string }): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/healthz") return false;
    try {
      await deps.store.ping();
      return sendJson(res, 200, {
        status: "ok",
        store: "ok",
        githubApp: deps.configured ? "configured" : "not registered",
        version: deps.version,
      });
    } catch (err) {
      return sendJson(res, 503, { status: "error", store: (err as Error).message });
    }
  };
}
