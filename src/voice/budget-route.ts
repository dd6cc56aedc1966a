import { type HttpHandler, sendJson, urlOf } from "../http/respond.js";
import type { Budget } from "./budget.js";

/** `GET /api/v1/budget`: today's (UTC) global spend and what is left, for voice and for Gemini. */
export function budgetRoute(budget: Budget): HttpHandler {
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/api/v1/budget") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { error: "Only GET is supported" }, { allow: "GET, HEAD" });
    }
    return sendJson(res, 200, await budget.today(), { "cache-control": "no-cache" });
  };
}
