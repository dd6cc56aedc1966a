// The benchmark measures what operators run: `npm start` runs the esbuild bundle in dist/ on plain node,
// not the TypeScript sources under tsx (whose transform adds work of its own, e.g. naming every
// closure it creates). The no-op baseline is bundled the same way, so both sides run alike.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { build } from "esbuild";
import { type AppProcess, startAppProcess } from "../test/faults/app-process.js";

const ROOT = resolve(import.meta.dirname, "..");

let built: Promise<{ app: string; noop: string }> | undefined;

/** Builds the App (as `npm start` does) and the no-op app once per run; returns their entry files. */
export function builtEntries(): Promise<{ app: string; noop: string }> {
  built ??= (async () => {
    execFileSync(process.execPath, [resolve(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
    // Under node_modules, so that its imports (probot, pino) resolve as the App's do.
    const noop = resolve(ROOT, "node_modules/.cache/repositori-bench/noop-app.js");
    await build({
      entryPoints: [resolve(ROOT, "bench/noop-app.ts")],
      outfile: noop,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      packages: "external",
      logLevel: "warning",
    });
    return { app: resolve(ROOT, "dist/main.js"), noop };
  })();
  return built;
}

/** The built App (or the no-op app, for "noop") as its own process on `databaseUrl`, logging errors only. */
export async function startBuilt(target: "noop" | "app", githubUrl: string, databaseUrl: string): Promise<AppProcess> {
  const entries = await builtEntries();
  return startAppProcess({
    databaseUrl,
    githubUrl,
    env: { LOG_LEVEL: "error" },
    entry: target === "noop" ? entries.noop : entries.app,
  });
}
