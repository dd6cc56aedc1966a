import { existsSync, statSync } from "node:fs";
import { buildApp } from "./app-server.js";
import { EnvError, loadEnv } from "./config/env.js";
import { defaultFeatures } from "./features.js";
import { createLogger } from "./logger.js";
import { StoreOpenError } from "./store/open-failure.js";

/** Process entry: read the environment once, build the App, listen, stop cleanly on signals. */
async function main(): Promise<void> {
  // `.env` (written by hand or after registration) fills in what the real environment does not set.
  if (existsSync(".env")) {
    // A bind mount of a file that did not exist yet (docker run -v "$PWD/.env:/app/.env") is a directory.
    if (!statSync(".env").isFile()) {
      console.error("ReposiTori cannot read .env: it is not a file (create the file before mounting it)");
      process.exit(1);
    }
    process.loadEnvFile(".env");
  }
  const env = loadEnv();
  // A person at a terminal reads lines; a log collector reads JSON.
  const log = createLogger({ ...env, LOG_FORMAT: env.LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json") });
  const app = await buildApp(env, { log, features: defaultFeatures });
  app.server.once("error", (err: NodeJS.ErrnoException) => {
    const hint = err.code === "EADDRINUSE" ? `: port ${env.PORT} is taken, set PORT to a free one` : "";
    console.error(`ReposiTori cannot listen on ${env.HOST}:${env.PORT}${hint} (${err.message})`);
    process.exit(1);
  });
  app.server.listen(env.PORT, env.HOST, () => {
    log.info(`ReposiTori listening on http://${env.HOST}:${env.PORT} (public URL ${env.PUBLIC_URL})`);
  });
  const stop = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  // The one place a start-up failure is reported: say what to fix, without a stack for config mistakes.
  if (err instanceof EnvError || err instanceof StoreOpenError) console.error(err.message);
  else console.error("ReposiTori failed to start:", err);
  process.exit(1);
});
