import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { dayKey } from "../../src/domain/time.js";
import { openStore } from "../../src/store/open-store.js";
import { FAULT_SECRET, startAppProcess } from "../faults/app-process.js";
import { startFakeGitHub } from "../faults/fake-github.js";
import { expectedXp, makeLoad, post, storedXp } from "../faults/push-load.js";
import { http } from "../helpers/http.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

// Everything else runs the sources under tsx; operators run the build (`npm start`, the image).
describe("the built App (dist/main.js, as `npm start` and the container image run it)", () => {
  it("builds, starts on a SQLite file, feeds signed pushes, draws the card and stops on SIGTERM", async () => {
    await run(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
    const github = await startFakeGitHub();
    cleanup.push(() => github.close());
    const file = join(mkdtempSync(join(tmpdir(), "repositori-built-")), "dash.db");
    const app = await startAppProcess({
      databaseUrl: `sqlite:${file}`,
      githubUrl: github.url,
      entry: join(ROOT, "dist/main.js"),
    });
    cleanup.push(() => app.kill("SIGKILL"));

    const spec = { repos: 1, logins: 3, pushes: 6, redeliveryShare: 0 };
    const deliveries = makeLoad(spec);
    for (const d of deliveries) expect(await post(app.url, d, FAULT_SECRET)).toBe(200);
    const card = await http(`${app.url}/dash/dash-org/dart-app-0.svg`);
    expect(card.status).toBe(200);
    expect(card.text()).toMatch(/^<svg[^>]* role="img"><title>Dash: level \d+/);

    expect(await app.kill("SIGTERM")).toBe("exit 0");
    const store = await openStore(`sqlite:${file}`);
    cleanup.push(() => store.close());
    const stored = await storedXp(store, spec, dayKey(new Date(), "UTC"));
    expect(stored).toEqual(expectedXp(deliveries));
  }, 60_000);

  // The image installs only `dependencies` (npm ci --omit=dev) next to this build: whatever the bundle
  // and its worker load at run time (imports, pino transports named by package, the font files it
  // resolves by package path) must be among them.
  it("needs only the runtime dependencies that the image installs", async () => {
    await run(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
    const files = ["dist/main.js", "dist/sqlite-checkpoint-worker.mjs"];
    const code = files.map((f) => readFileSync(join(ROOT, f), "utf8")).join("\n");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const named = [
      // import … from "x", import "x", import("x"), require("x"), require.resolve("x") and aliases
      /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\w*(?:\.resolve)?\(\s*)"([^"./][^"]*)"/g,
      /\btarget:\s*"([^"./][^"]*)"/g,
      /"(@fontsource\/[^"]+)"/g,
    ].flatMap((re) => [...code.matchAll(re)].map((m) => m[1] ?? ""));
    const packages = new Set(
      named
        .filter((s) => !s.startsWith("node:"))
        .map((s) =>
          s
            .split("/")
            .slice(0, s.startsWith("@") ? 2 : 1)
            .join("/"),
        ),
    );
    // Not vacuous: the store, the web framework, the log transport and the fonts are among them.
    expect([...packages]).toEqual(
      expect.arrayContaining(["better-sqlite3", "probot", "pino-pretty", "@fontsource/inter"]),
    );
    expect([...packages].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });
});
