import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import { type HttpHandler, sendJson } from "./respond.js";

/** Longest a stop waits for running requests (under the 30 s most process managers allow before SIGKILL). */
const STOP_GRACE_MS = 25_000;

export interface HttpServer extends Server {
  /**
   * Stops accepting connections, then waits until every request being handled has finished, also
   * those whose client has hung up (a webhook is still being stored), so the store can be closed.
   */
  stop(): Promise<void>;
}

/** Idle keep-alive connections are kept this long: longer than common load balancers keep theirs. */
const KEEP_ALIVE_MS = 65_000;

/**
 * One node:http server for every route: the handlers are tried in order and the first that answers
 * wins. Errors are caught here, once: logged with the route, answered 500 without internals.
 */
export function createHttpServer(handlers: readonly HttpHandler[], log: Logger): HttpServer {
  let running = 0;
  let settled: (() => void) | null = null;
  const server = createServer(async (req, res) => {
    running++;
    try {
      for (const handler of handlers) {
        if (await handler(req, res)) return;
      }
      sendJson(res, 404, { error: `Not found: ${req.method} ${(req.url ?? "").split("?")[0]}` });
    } catch (err) {
      log.error({ err, method: req.method, path: (req.url ?? "").split("?")[0] }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "Internal error; the operator can find it in the log" });
      else res.destroy();
    } finally {
      running--;
      if (running === 0) settled?.();
    }
  }) as HttpServer;
  // Behind a load balancer that keeps idle connections open longer than Node's 5 s default (an AWS
  // ALB keeps them 60 s), the App must not close first: a request sent as it closes gets a 502.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  server.stop = async () => {
    const closed = new Promise<void>((done) => server.close(() => done()));
    // Connections left open by keep-alive must not hold the stop up.
    server.closeIdleConnections();
    if (running > 0) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((done) => {
        settled = done;
      });
      const late = new Promise<"late">((done) => {
        timer = setTimeout(() => done("late"), STOP_GRACE_MS);
      });
      if ((await Promise.race([idle, late])) === "late") {
        log.warn({ running }, `stopping with ${running} request(s) still running after ${STOP_GRACE_MS / 1000} s`);
      }
      clearTimeout(timer);
    }
    // Connections whose answers have gone out are idle now; one a client keeps busy is cut shortly
    // after, so that it cannot hold the stop up.
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), 1000);
    await closed;
    clearTimeout(cut);
  };
  return server;
}
