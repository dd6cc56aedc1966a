import { FAULT_SECRET } from "../test/faults/app-process.js";
import type { FakeGitHub } from "../test/faults/fake-github.js";
import { startTcpProxy } from "../test/faults/tcp-proxy.js";
import { http } from "../test/helpers/http.js";
import { startBuilt } from "./built.js";
import { withCpu } from "./cpu.js";
import { type BenchDatabase, benchDatabase, canTimeWalFlushes, type StoreKind, walFlushes } from "./databases.js";
import { type Measured, measure, measureAtRate, peakRss, signedPushes } from "./load.js";

export interface WebhookRun {
  /** As many deliveries for one repo as the server takes. */
  max: Measured;
  /** The same, spread over 50 repos (the App's stores only). */
  maxManyRepos?: Measured;
  /** The same, by 10 contributors, all but the first 300 deliveries beyond the daily cap (the App's stores only). */
  maxCapped?: Measured;
  /** A steady 200 deliveries/s for one repo (absent for a throughput-only run). */
  fixed?: Measured;
  /** Mean deliveries per feeding transaction during the full-speed run (the App only). */
  meanBatch?: number;
  /**
   * PostgreSQL's WAL flushes during the full-speed run: per feeding batch, and their mean time where
   * it could be measured. Each batch is answered only once its commit has been flushed.
   */
  walFlushes?: { perBatch: number; meanMs: number | null };
  peakRssBytes: number;
}

/**
 * Signed pushes for a Dart repo against one server process: a warm-up, full speed, then a steady 200
 * deliveries/s. `target` is the App on `kind`, or the no-op Probot app with the same signature check.
 */
export async function benchWebhooks(opts: {
  target: "noop" | StoreKind;
  github: FakeGitHub;
  seconds: number;
  connections: number;
  /** PostgreSQL settings for the App's connections, e.g. "-c synchronous_commit=off". */
  pgSettings?: string;
  /** Reach PostgreSQL through a proxy that holds back every packet this long, each way. */
  pgDelayMs?: number;
  /** Only the full-speed run for one repo. */
  throughputOnly?: boolean;
}): Promise<WebhookRun> {
  let db: BenchDatabase | null = null;
  if (opts.target !== "noop") db = await benchDatabase(opts.target);
  let databaseUrl = db?.url ?? "sqlite::memory:";
  // The App's own commits time their WAL flushes, where the benchmark's role may have them do so.
  const timeFlushes = opts.target === "postgres" && !opts.throughputOnly && (await canTimeWalFlushes());
  const pgSettings = [opts.pgSettings, timeFlushes ? "-c track_wal_io_timing=on" : ""].join(" ").trim();
  if (db && pgSettings) {
    const url = new URL(db.url);
    url.searchParams.set("options", `${url.searchParams.get("options") ?? ""} ${pgSettings}`.trim());
    databaseUrl = url.toString();
  }
  const pgAddress = db ? new URL(db.url) : null;
  const proxy =
    pgAddress && opts.pgDelayMs !== undefined
      ? await startTcpProxy({ host: pgAddress.hostname, port: Number(pgAddress.port || 5432), delayMs: opts.pgDelayMs })
      : null;
  if (proxy) {
    const url = new URL(databaseUrl);
    url.port = String(proxy.port);
    databaseUrl = url.toString();
  }
  const server = await startBuilt(opts.target === "noop" ? "noop" : "app", opts.github.url, databaseUrl);
  try {
    const tag = `bench-${opts.target}-${Date.now()}`;
    const make = signedPushes(FAULT_SECRET, tag);
    const base = { url: server.url, connections: opts.connections, make };
    await measure({ ...base, seconds: Math.min(3, opts.seconds) });
    const before = await feedBatchMetrics(server.url);
    const flushesBefore = opts.target === "postgres" ? await walFlushes() : null;
    const max = await withCpu(server.child.pid, opts.target === "postgres", () =>
      measure({ ...base, seconds: opts.seconds }),
    );
    const flushesAfter = opts.target === "postgres" ? await walFlushes() : null;
    const after = await feedBatchMetrics(server.url);
    const batches = before && after ? after.count - before.count : 0;
    const meanBatch = before && after && batches > 0 ? (after.sum - before.sum) / batches : undefined;
    const flushes = flushesBefore && flushesAfter ? flushesAfter.count - flushesBefore.count : 0;
    const walFlushesRun =
      batches > 0 && flushesBefore && flushesAfter
        ? {
            perBatch: flushes / batches,
            meanMs: timeFlushes && flushes > 0 ? (flushesAfter.ms - flushesBefore.ms) / flushes : null,
          }
        : undefined;
    if (opts.throughputOnly) {
      return { max, peakRssBytes: peakRss(server.child.pid), ...(meanBatch ? { meanBatch } : {}) };
    }
    const fixed = await measureAtRate({ url: server.url, seconds: opts.seconds, rate: 200, make });
    // The App's stores only: full speed with other pushes.
    const fullSpeed = (label: string, pushes: Parameters<typeof signedPushes>[2]) =>
      opts.target === "noop"
        ? undefined
        : measure({ ...base, make: signedPushes(FAULT_SECRET, `${tag}-${label}`, pushes), seconds: opts.seconds });
    const maxManyRepos = await fullSpeed("many", { repos: 50 });
    const maxCapped = await fullSpeed("capped", { contributors: 10 });
    return {
      max,
      fixed,
      peakRssBytes: peakRss(server.child.pid),
      ...(maxManyRepos ? { maxManyRepos } : {}),
      ...(maxCapped ? { maxCapped } : {}),
      ...(meanBatch ? { meanBatch } : {}),
      ...(walFlushesRun ? { walFlushes: walFlushesRun } : {}),
    };
  } finally {
    await server.kill("SIGTERM");
    await proxy?.close();
    await db?.drop();
  }
}

/** The App's feeding-batch histogram totals from its /metrics (null for the no-op app). */
async function feedBatchMetrics(url: string): Promise<{ sum: number; count: number } | null> {
  const res = await http(`${url}/metrics`).catch(() => null);
  if (res?.status !== 200) return null;
  const value = (name: string) => {
    const line = res
      .text()
      .split("\n")
      .find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : Number.NaN;
  };
  const sum = value("repositori_feed_batch_size_sum");
  const count = value("repositori_feed_batch_size_count");
  return Number.isFinite(sum) && Number.isFinite(count) ? { sum, count } : null;
}
