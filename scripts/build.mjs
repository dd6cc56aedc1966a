// Compiles the App to dist/ for `npm start`: one ESM file, dependencies left in node_modules.
import { copyFileSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});

// Worker threads start without the bundle: their scripts sit beside it, where the App looks for them.
copyFileSync("src/store/sqlite-checkpoint-worker.mjs", "dist/sqlite-checkpoint-worker.mjs");
