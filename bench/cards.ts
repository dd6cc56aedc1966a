// Card benchmark: fresh render times (after warm-up) and the warm throughput of GET /dash/:owner/:repo.svg
// on the running App, against a bare node:http server answering a fixed buffer, in the same run.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dashState } from "../src/domain/state.js";
import { dayKey } from "../src/domain/time.js";
import { fedCardModel } from "../src/render/card-model.js";
import { loadCardFonts } from "../src/render/fonts.js";
import { CardRenderer } from "../src/render/renderer.js";
import { openStore } from "../src/store/open-store.js";
import { DEFAULT_DISPLAY } from "../src/views/load-dash.js";
import { startAppProcess } from "../test/faults/app-process.js";
import { http } from "../test/helpers/http.js";
import { builtEntries } from "./built.js";
import { measure } from "./load.js";
import { type BenchRow, fmt, printTable } from "./table.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** A distinct fed state per `i`, so every render below misses the cache. */
function model(i: number) {
  const now = new Date("2026-04-10T12:00:00Z");
  const state = dashState(
    {
      kind: "repo",
      subject: "bench-org/dart-bench",
      name: "Dash",
      xp: 100 + i * 10,
      foods: 10 + i,
      lastFedAt: new Date(now.getTime() - (i % 200) * 3_600_000),
      foodsByKind: { curry: 10 + i },
      foodsToday: i % 30,
      contributors: [
        { login: "alice", xp: 60 + i },
        { login: "bob", xp: 40 },
        { login: "carol", xp: 20 },
      ],
      chosenBackground: (["spring", "summer", "autumn", "winter"] as const)[i % 4],
    },
    { now, timeZone: "UTC", hemisphere: "north" },
  );
  return fedCardModel(state, { theme: i % 2 ? "dark" : "light", lang: i % 3 ? "en" : "ja", style: "card" }, now);
}

/** Median time of a fresh (uncached) SVG render and PNG render, after the fonts are parsed and the JIT is warm. */
async function coldRenders(samples: number): Promise<{ svgMs: number; pngMs: number }> {
  const renderer = new CardRenderer(await loadCardFonts());
  for (let i = 0; i < 30; i++) await renderer.render(model(100_000 + i), "png");
  const svg: number[] = [];
  const png: number[] = [];
  for (let i = 0; i < samples; i++) {
    let t = performance.now();
    await renderer.render(model(i), "svg");
    svg.push(performance.now() - t);
    // A PNG request for a state never drawn: satori SVG, then resvg.
    t = performance.now();
    await renderer.render(model(50_000 + i), "png");
    png.push(performance.now() - t);
  }
  return { svgMs: median(svg), pngMs: median(png) };
}

/** A bare node:http server in its own process, answering every request with the same bytes. */
async function startBareServer(body: Buffer, contentType: string) {
  const dir = mkdtempSync(join(tmpdir(), "cards-bare-"));
  const file = join(dir, "body");
  writeFileSync(file, body);
  const code = `
    const body = require("node:fs").readFileSync(process.env.BODY_FILE);
    const server = require("node:http").createServer((req, res) => {
      res.writeHead(200, { "content-type": process.env.BODY_TYPE, "content-length": body.length });
      res.end(body);
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", code], {
    env: { PATH: process.env.PATH ?? "", BODY_FILE: file, BODY_TYPE: contentType },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((done, fail) => {
    child.stdout?.once("data", (chunk: Buffer) => done(Number(String(chunk).trim())));
    child.once("exit", (c) => fail(new Error(`bare server exited with ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The App (src/main.ts, default features) in its own process, on a SQLite file with one fed repo. */
async function startFedApp() {
  const dir = mkdtempSync(join(tmpdir(), "cards-app-"));
  const databaseUrl = `sqlite:${join(dir, "dash.db")}`;
  const store = await openStore(databaseUrl);
  const repo = { id: 990_002, owner: "bench-org", name: "dart-bench", private: false, installationId: 1 };
  const at = new Date();
  await store.upsertRepo(repo, { installed: true });
  await store.feed({
    deliveryId: "bench-seed",
    repo,
    feedings: ["alice", "bob", "carol", "dave"].flatMap((login, n) =>
      Array.from({ length: 4 - n }, (_, i) => ({
        login,
        food: "curry" as const,
        count: 1,
        sourceKey: `${login}-${i}`,
      })),
    ),
    at,
    day: dayKey(at, "UTC"),
    utcDay: dayKey(at, "UTC"),
    dailyCap: 30,
    display: DEFAULT_DISPLAY,
  });
  await store.close();
  // Badge views make no GitHub calls: the API URL points at a closed port on purpose.
  const app = await startAppProcess({
    databaseUrl,
    githubUrl: "http://127.0.0.1:9",
    env: { LOG_LEVEL: "error" },
    entry: (await builtEntries()).app,
  });
  return {
    url: app.url,
    async stop() {
      await app.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Rows for the benchmark table: median fresh render (SVG, PNG) after warm-up, and the warm throughput
 * of `GET /dash/:owner/:repo.svg` on the App against a bare node:http server, with their ratio.
 */
export async function benchCards(
  opts: { seconds?: number; connections?: number; samples?: number; rounds?: number } = {},
): Promise<BenchRow[]> {
  const seconds = opts.seconds ?? 4;
  const rounds = opts.rounds ?? 5;
  const connections = opts.connections ?? 10;
  const { svgMs, pngMs } = await coldRenders(opts.samples ?? 60);

  const path = "/dash/bench-org/dart-bench.svg";
  const app = await startFedApp();
  let appRate: number;
  let bareRate: number;
  let ratio: number;
  try {
    const card = await http(`${app.url}${path}`);
    if (card.status !== 200 || !card.text().startsWith("<svg")) throw new Error(`card route answered ${card.status}`);
    const bare = await startBareServer(card.body, String(card.headers["content-type"]));
    try {
      // Warm both (JIT, render cache, connections), then measure them in alternating rounds: the
      // median of the per-round ratios is far steadier than one long run when the machine is busy.
      await measure({ url: app.url, path, seconds: 2, connections });
      await measure({ url: bare.url, path, seconds: 2, connections });
      const appRates: number[] = [];
      const bareRates: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [app.url, bare.url] : [bare.url, app.url];
        const [first, second] = [
          await measure({ url: order[0] ?? "", path, seconds, connections }),
          await measure({ url: order[1] ?? "", path, seconds, connections }),
        ];
        const [appRun, bareRun] = round % 2 === 0 ? [first, second] : [second, first];
        if (appRun.failed > 0) throw new Error(`${appRun.failed} card requests failed`);
        appRates.push(appRun.rate);
        bareRates.push(bareRun.rate);
        ratios.push(appRun.rate / bareRun.rate);
      }
      appRate = median(appRates);
      bareRate = median(bareRates);
      ratio = median(ratios);
    } finally {
      await bare.stop();
    }
  } finally {
    await app.stop();
  }
  const row = (measure: string, value: string, target?: string, meets?: boolean): BenchRow => ({
    area: "Cards",
    measure,
    values: { Value: value },
    ...(target ? { target, meets } : {}),
  });
  return [
    row("fresh SVG render, median (after warm-up)", fmt.ms(svgMs), "< 20 ms", svgMs < 20),
    row("fresh PNG render (SVG, then resvg at 600×200), median", fmt.ms(pngMs), "< 20 ms", pngMs < 20),
    row(`warm GET ${path} (App, ${connections} connections, median of ${rounds})`, fmt.rate(appRate)),
    row("bare node:http, fixed buffer (same run, alternating)", fmt.rate(bareRate)),
    row("card / bare throughput ratio (median per round)", fmt.ratio(ratio), "≥ 0.50", ratio >= 0.5),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchCards({ seconds: Number(process.env.BENCH_SECONDS ?? 4) });
  console.log(printTable(rows, ["Value"]));
}
