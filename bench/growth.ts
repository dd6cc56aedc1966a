import { dayKey } from "../src/domain/time.js";
import { openStore } from "../src/store/open-store.js";
import { loadRepoDash } from "../src/views/load-dash.js";
import { startAppProcess } from "../test/faults/app-process.js";
import type { FakeGitHub } from "../test/faults/fake-github.js";
import { http } from "../test/helpers/http.js";
import { builtEntries } from "./built.js";
import { benchDatabase, type StoreKind } from "./databases.js";
import { type Measured, measure, peakRss } from "./load.js";
import { seedRepo } from "./seed.js";

export const SMALL = { contributors: 10, feedings: 100 };
export const LARGE = { contributors: 10_000, feedings: 1_000_000 };

export interface GrowthRun {
  seedSeconds: number;
  /** Median time of the state-reading path (loadRepoDash) in the benchmark process, ms. */
  stateMs: { small: number; large: number };
  /** `GET /api/v1/repos/…` against the App. */
  json: { small: Measured; large: Measured };
  /** `GET /dash/….svg` against the App; null when the App serves no cards. */
  card: { small: Measured; large: Measured } | null;
  /** GitHub API calls made while serving those views, and how many views there were. */
  githubCalls: number;
  views: number;
  peakRssBytes: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * How reading a Dash grows with its history: a repo with 10 contributors and 100 feedings against one
 * with 10,000 contributors and a million feedings, in the same database.
 */
export async function benchGrowth(opts: { kind: StoreKind; github: FakeGitHub; seconds: number }): Promise<GrowthRun> {
  const db = await benchDatabase(opts.kind);
  const store = await openStore(db.url);
  try {
    const day = dayKey(new Date(), "UTC");
    const started = performance.now();
    await seedRepo(store.db, { id: 880_001, owner: "bench", name: "small", day, ...SMALL });
    await seedRepo(store.db, { id: 880_002, owner: "bench", name: "large", day, ...LARGE });
    const seedSeconds = (performance.now() - started) / 1000;

    const time = async (name: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        const view = await loadRepoDash(store, "bench", name, { now: new Date() });
        if (!view) throw new Error(`no Dash for bench/${name}`);
        samples.push(performance.now() - t);
      }
      return median(samples.slice(50));
    };
    const stateMs = { small: await time("small"), large: await time("large") };

    const app = await startAppProcess({
      databaseUrl: db.url,
      githubUrl: opts.github.url,
      env: { LOG_LEVEL: "error" },
      entry: (await builtEntries()).app,
    });
    try {
      const callsBefore = opts.github.total();
      const run = (path: string) => measure({ url: app.url, path, connections: 16, seconds: opts.seconds });
      const json = { small: await run("/api/v1/repos/bench/small"), large: await run("/api/v1/repos/bench/large") };
      const hasCards = (await http(`${app.url}/dash/bench/small.svg`)).status === 200;
      const card = hasCards
        ? { small: await run("/dash/bench/small.svg"), large: await run("/dash/bench/large.svg") }
        : null;
      const views = [json.small, json.large, card?.small, card?.large].reduce(
        (n, m) => n + (m ? m.ok + m.failed : 0),
        0,
      );
      return {
        seedSeconds,
        stateMs,
        json,
        card,
        githubCalls: opts.github.total() - callsBefore,
        views,
        peakRssBytes: peakRss(app.child.pid),
      };
    } finally {
      await app.kill("SIGTERM");
    }
  } finally {
    await store.close();
    await db.drop();
  }
}
