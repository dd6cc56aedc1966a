// Bundles the GitHub Action into action/dist (committed: Actions cannot install dependencies).
// The native resvg module is swapped for its WebAssembly build, and the card fonts and the resvg wasm
// are copied next to the bundle, so the Action runs on the runner's Node without node_modules.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { CARD_FONT_FILES } from "../src/render/fonts.js";

const require = createRequire(import.meta.url);
const out = "action/dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "fonts"), { recursive: true });

await build({
  entryPoints: ["action/src/main.ts"],
  outfile: join(out, "index.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Bundled CommonJS dependencies call require(); ESM output has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  alias: { "@resvg/resvg-js": "./action/src/resvg-wasm.ts" },
  legalComments: "none",
  logLevel: "warning",
});
for (const { file } of CARD_FONT_FILES) copyFileSync(require.resolve(file), join(out, "fonts", basename(file)));
copyFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm"), join(out, "resvg.wasm"));
