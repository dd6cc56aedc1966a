import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import autocannon, { type RawRequest } from "autocannon";
import { asDartRepo, examplesOf } from "../test/helpers/examples.js";
import type { CpuPerRequest } from "./cpu.js";

export interface Measured {
  /** 2xx answers per second. */
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU spent per answered request, where it was measured (see withCpu). */
  cpu?: CpuPerRequest;
}

/** Runs autocannon against `url` and keeps the figures the table needs. */
export async function measure(opts: {
  url: string;
  seconds: number;
  connections: number;
  /** Fixed request rate; unlimited when absent. */
  rate?: number;
  path?: string;
  make?: () => RawRequest;
}): Promise<Measured> {
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 20,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests: [
      {
        method: "GET",
        path: opts.path ?? "/",
        ...(opts.make ? { setupRequest: () => (opts.make as () => RawRequest)() } : {}),
      },
    ],
  });
  return {
    rate: result["2xx"] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result["2xx"],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** The `q`-quantile of sorted `values`. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Requests at a steady `rate` per second. autocannon spends each connection's per-second budget at
 * the start of every second, so one instance at 200/s sends bursts of 200; here `streams` instances
 * of one connection each are started evenly across the second, which spreads the arrivals out.
 * Latencies are collected from every response, and the percentiles computed over all of them.
 */
export async function measureAtRate(opts: {
  url: string;
  seconds: number;
  rate: number;
  make: () => RawRequest;
  streams?: number;
}): Promise<Measured> {
  const streams = opts.streams ?? 20;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const runs = Array.from(
    { length: streams },
    (_, i) =>
      new Promise<void>((done, fail) => {
        setTimeout(
          () => {
            const instance = autocannon(
              {
                url: opts.url,
                connections: 1,
                connectionRate: opts.rate / streams,
                duration: opts.seconds,
                timeout: 20,
                requests: [{ setupRequest: () => opts.make() }],
              },
              (err) => (err ? fail(err) : done()),
            );
            instance.on("response", (_client, status, _bytes, ms) => {
              latencies.push(ms);
              if (status >= 200 && status < 300) ok++;
              else failed++;
            });
            instance.on("reqError", () => {
              failed++;
            });
          },
          (i * 1000) / streams,
        );
      }),
  );
  await Promise.all(runs);
  latencies.sort((a, b) => a - b);
  return { rate: ok / opts.seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), ok, failed };
}

/**
 * Signed `push` deliveries for one Dart repo: each has a new delivery id (a random GUID, as GitHub's)
 * and a new commit (one food), by one of `contributors` in turn, spread over `repos` repositories in
 * turn (1: all for the same repo). With the default 50,000 contributors the daily cap of 30 foods
 * each is reached after 1.5 million deliveries a day, more than a benchmark run sends to one server;
 * with 5,000, as before, it was reached after 150,000, within the interleaved rounds. With a few,
 * nearly every delivery is by a contributor at the cap.
 */
export function signedPushes(secret: string, tag: string, opts: { repos?: number; contributors?: number } = {}) {
  const repos = opts.repos ?? 1;
  const contributors = opts.contributors ?? 50_000;
  const repo = { id: 990_001, owner: "bench-org", name: "dart-bench" };
  const payload = examplesOf("push").find((p) => Array.isArray(p.commits) && p.commits.length > 0);
  if (!payload) throw new Error("no push example with commits");
  asDartRepo(payload, repo);
  const commit = {
    ...((payload.commits as Record<string, unknown>[])[0] ?? {}),
    id: "@SHA@",
    distinct: true,
    author: { name: "@LOGIN@", email: "@LOGIN@@example.com", username: "@LOGIN@" },
    added: ["lib/main.dart"],
  };
  payload.commits = [commit];
  payload.head_commit = commit;
  const template = JSON.stringify(payload);
  let n = 0;
  return (): RawRequest => {
    n++;
    const sha = createHmac("sha1", tag).update(String(n)).digest("hex");
    // With several repos, each delivery names one in turn (ids and names stay consistent).
    const r = n % repos;
    const body = template
      .replaceAll("@SHA@", sha)
      .replaceAll("@LOGIN@", `dev-${n % contributors}`)
      .replace(`"id":${repo.id},`, `"id":${repo.id + r},`)
      .replaceAll(repo.name, `${repo.name}-${r}`);
    return {
      method: "POST",
      path: "/api/github/webhooks",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        // A GUID, as GitHub sends: ids in no particular order, like the commit SHAs.
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      },
      body,
    };
  };
}

/** The highest resident memory a process has used so far (Linux VmHWM), in bytes; 0 when unknown. */
export function peakRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmHWM:"));
    return Number(line?.replace(/\D+/g, "") ?? 0) * 1024;
  } catch {
    return 0;
  }
}
