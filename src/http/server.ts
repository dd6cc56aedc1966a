import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import { type HttpHandler, sendJson } from "./respond.js";

/**
 * One node:http server for every route: the handlers are tried in order and the first that answers
 * wins. Errors are caught here, once: logged with the route, answered 500 without internals.
 */
export function createHttpServer(handlers: readonly HttpHandler[], log: Logger): Server {
  return createServer(async (req, res) => {
    try {
      for (const handler of handlers) {
        if (await handler(req, res)) return;
      }
      sendJson(res, 404, { error: `Not found: ${req.method} ${(req.url ?? "").split("?")[0]}` });
    } catch (err) {
      log.error({ err, method: req.method, path: (req.url ?? "").split("?")[0] }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "Internal error; the operator can find it in the log" });
      else res.destroy();
    }
  });
}
