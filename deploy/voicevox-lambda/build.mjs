// Bundles the VOICEVOX Lambda handler (src/voice/lambda.ts) and everything it imports into one
// CommonJS file for the container image: `node deploy/voicevox-lambda/build.mjs [outdir]`.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Writes `<outdir>/voice-lambda.cjs` (default: deploy/voicevox-lambda/dist) and returns its path. */
export async function buildVoiceLambda(outdir = fileURLToPath(new URL("./dist/", import.meta.url))) {
  const outfile = `${outdir.replace(/\/+$/, "")}/voice-lambda.cjs`;
  await build({
    absWorkingDir: root,
    entryPoints: ["src/voice/lambda.ts"],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    // CommonJS needs no require() shim, and the Lambda runtime interface client loads .cjs handlers as is.
    format: "cjs",
    minify: false,
    sourcemap: "inline",
    legalComments: "eof",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildVoiceLambda(process.argv[2]);
  console.log(`wrote ${out}`);
}
