// The baseline for the webhook benchmark: a Probot app that does nothing with `push`, behind the same
// Probot webhook middleware (same signature check) in a plain node:http server.
import { createServer } from "node:http";
import pino from "pino";
import { createNodeMiddleware, Probot } from "probot";

const probot = new Probot({
  appId: process.env.APP_ID ?? "1",
  privateKey: process.env.PRIVATE_KEY ?? "",
  secret: process.env.WEBHOOK_SECRET ?? "",
  log: pino({ level: "error" }),
});
const middleware = await createNodeMiddleware(
  (app) => {
    app.on("push", async () => {});
  },
  { probot, webhooksPath: "/api/github/webhooks" },
);
const server = createServer(async (req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  if (!(await middleware(req, res))) res.writeHead(404).end();
});
server.listen(Number(process.env.PORT ?? 3999), "127.0.0.1");
// Exits cleanly on SIGTERM, as the App does, so that node's exit hooks (e.g. --cpu-prof) run.
process.once("SIGTERM", () => server.close(() => process.exit(0)));
