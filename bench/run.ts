// `npm run bench`: the App's speed and cost in one table. Figures only; nothing here is asserted.
// BENCH_SECONDS (default 10) sets the length of the longer load runs, BENCH_ROUNDS (default 10) how many
// interleaved short full-speed rounds the throughput ratio is the median of; BENCH_PG_URL the PostgreSQL server.
import { startFakeGitHub } from "../test/faults/fake-github.js";
import { replayExamples } from "./api-calls.js";
import { benchCards } from "./cards.js";
import { postgresProblem, type StoreKind } from "./databases.js";
import { benchGrowth, type GrowthRun, LARGE, SMALL } from "./growth.js";
import type { Measured } from "./load.js";
import { benchRatios, type RatioLevel, type Target } from "./ratio.js";
import { type BenchRow, fmt, printTable } from "./table.js";
import { benchWebhooks, type WebhookRun } from "./webhooks.js";

/** Length of each interleaved full-speed run (see benchRatios). */
const RATIO_SECONDS = 3;

const USAGE = `npm run bench: the App's speed and cost, printed as one table (about 8 minutes).

Environment:
  BENCH_SECONDS  length of the longer load runs in seconds (default 10)
  BENCH_ROUNDS   interleaved ${RATIO_SECONDS}-second full-speed rounds the throughput ratio is the median of,
                 at each number of connections (default 10)
  BENCH_PG_URL   PostgreSQL server for the PostgreSQL column (default postgres://postgres@127.0.0.1:5432/test;
                 without a server the column is left out)

Run nothing else on the machine meanwhile: the figures are ratios against a baseline measured in the
same run, but a busy machine still blurs them. See docs/benchmark.md.`;

const args = process.argv.slice(2);
if (args.length > 0) {
  const help = args.every((a) => a === "--help" || a === "-h");
  (help ? console.log : console.error)(help ? USAGE : `Unknown argument: ${args.join(" ")}\n\n${USAGE}`);
  process.exit(help ? 0 : 2);
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Interleaved full-speed rounds at each number of connections (see benchRatios). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 10));
/** Connections for the latency and 50-repo runs. */
const CONNECTIONS = 32;
/**
 * The throughput ratio at each of these. At 32 the no-op app's event loop is saturated, the App's
 * on PostgreSQL is not (about a quarter of its time it waits on a batch's commit with nothing else
 * to do); at 64 every server's is, as near as it gets. Both are reported.
 */
const RATIO_CONNECTIONS = [32, 64] as const;
/**
 * PostgreSQL as far away as a database in another zone, for one more run: a proxy holds back every
 * packet this long, each way (timers make it at least a millisecond).
 */
const REMOTE_DELAY_MS = 1;
const COLUMN: Record<Target, string> = { noop: "No-op Probot", sqlite: "SQLite", postgres: "PostgreSQL" };
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The median of `values` (the lower middle one for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function webhookRows(
  runs: Partial<Record<StoreKind | "noop", WebhookRun>>,
  levels: readonly RatioLevel[],
  asyncCommit?: WebhookRun,
  remote?: WebhookRun,
): BenchRow[] {
  const each = (pick: (r: WebhookRun) => string | undefined) =>
    Object.fromEntries(
      Object.entries(runs).flatMap(([k, r]) => {
        const v = r ? pick(r) : undefined;
        return v === undefined ? [] : [[COLUMN[k as Target], v]];
      }),
    );
  // One value per target from its interleaved runs at one number of connections.
  const eachRun = (level: RatioLevel, pick: (measured: Measured[]) => string | undefined) =>
    Object.fromEntries(
      Object.entries(level.runs).flatMap(([k, measured]) => {
        const v = pick(measured ?? []);
        return v === undefined ? [] : [[COLUMN[k as Target], v]];
      }),
    );
  const us = (n: number) => `${Math.round(n)} µs`;
  const stores = (Object.keys(runs) as Target[]).filter((k): k is StoreKind => k !== "noop");
  const p99s = stores.map((k) => runs[k]?.fixed?.p99 ?? Number.POSITIVE_INFINITY);
  const kept = (m: Measured) => `${fmt.rate(m.rate)}${m.failed ? ` (${m.failed} failed)` : ""}`;
  const top = levels[levels.length - 1];
  // The no-op app's run of the same length and connections, for the runs measured once.
  const noopRate = runs.noop?.max.rate ?? 0;
  const perLevel = levels.flatMap((level): BenchRow[] => {
    // Rounds without a ratio (the no-op app answered nothing around them) are left out.
    const ratios = stores.map((k) => (level.ratios[k] ?? []).filter(Number.isFinite));
    const at = `${level.connections} connections`;
    return [
      {
        area: "Webhooks, 1 repo",
        measure: `throughput, ${at}, median of the interleaved ${RATIO_SECONDS}-s runs (${ROUNDS} round${ROUNDS === 1 ? "" : "s"})`,
        values: eachRun(level, (measured) => fmt.rate(median(measured.map((m) => m.rate)))),
      },
      {
        area: "Webhooks, 1 repo",
        measure: `throughput ÷ the no-op runs just before and after, ${at}: median (range of rounds)`,
        values: Object.fromEntries(
          stores.map((k, i) => {
            const r = ratios[i] ?? [];
            if (r.length === 0) return [COLUMN[k], "–"];
            return [COLUMN[k], `${fmt.ratio(median(r))} (${fmt.ratio(Math.min(...r))}–${fmt.ratio(Math.max(...r))})`];
          }),
        ),
        target: "≥ 0.70",
        meets: ratios.every((r) => r.length > 0 && median(r) >= 0.7),
      },
      {
        area: "Webhooks, 1 repo",
        measure: `the server's main thread, ${at}, median of runs: CPU per delivery (time busy)`,
        values: eachRun(level, (measured) => {
          const mains = measured.flatMap((m) => (m.cpu?.mainThread ? [m.cpu.mainThread] : []));
          if (mains.length === 0) return undefined;
          return `${us(median(mains.map((m) => m.perRequest)))} (${Math.round(100 * median(mains.map((m) => m.busy)))} %)`;
        }),
      },
    ];
  });
  return [
    ...perLevel,
    ...(top
      ? [
          {
            area: "Webhooks, 1 repo",
            measure: `CPU per delivery, ${top.connections} connections, median of runs: server (+ PostgreSQL) / load generator`,
            values: eachRun(top, (measured) => {
              const cpus = measured.flatMap((m) => (m.cpu ? [m.cpu] : []));
              if (cpus.length === 0) return undefined;
              const server = us(median(cpus.map((c) => c.server)));
              const pg = cpus.every((c) => c.postgres !== undefined)
                ? ` + ${us(median(cpus.map((c) => c.postgres ?? 0)))}`
                : "";
              return `${server}${pg} / ${us(median(cpus.map((c) => c.loadGenerator)))}`;
            }),
          },
          {
            area: "Webhooks, 1 repo",
            measure: "answers other than 2xx in the interleaved runs",
            values: Object.fromEntries(
              (Object.keys(top.runs) as Target[]).map((k) => [
                COLUMN[k],
                String(levels.reduce((n, l) => n + (l.runs[k] ?? []).reduce((m, r) => m + r.failed, 0), 0)),
              ]),
            ),
          },
        ]
      : []),
    {
      area: "Webhooks, 1 repo",
      measure: `deliveries per feeding transaction at full speed, ${CONNECTIONS} connections, one ${SECONDS}-s run (mean)`,
      values: each((r) => (r.meanBatch ? r.meanBatch.toFixed(1) : undefined)),
    },
    {
      area: "Webhooks, 1 repo",
      measure: `PostgreSQL's WAL flushes in that run (pg_stat_wal): per feeding batch / mean time`,
      values: each((r) =>
        r.walFlushes
          ? `${r.walFlushes.perBatch.toFixed(2)} / ${r.walFlushes.meanMs === null ? "not timed" : fmt.ms(r.walFlushes.meanMs)}`
          : undefined,
      ),
    },
    {
      area: "Webhooks, 1 repo",
      measure: `p50 / p99 at full speed, ${CONNECTIONS} connections, one ${SECONDS}-s run`,
      values: each((r) => `${fmt.ms(r.max.p50)} / ${fmt.ms(r.max.p99)}`),
    },
    { area: "Webhooks, 1 repo", measure: "answered at a steady 200/s", values: each((r) => r.fixed && kept(r.fixed)) },
    { area: "Webhooks, 1 repo", measure: "p50 at 200/s", values: each((r) => r.fixed && fmt.ms(r.fixed.p50)) },
    {
      area: "Webhooks, 1 repo",
      measure: "p99 at 200/s",
      values: each((r) => r.fixed && fmt.ms(r.fixed.p99)),
      target: "< 50 ms",
      meets: p99s.every((p) => p < 50),
    },
    {
      area: "Webhooks, 50 repos",
      measure: `throughput, ${CONNECTIONS} connections`,
      values: each((r) => (r.maxManyRepos ? kept(r.maxManyRepos) : undefined)),
    },
    {
      area: "Webhooks, 1 repo",
      measure: `throughput, 10 contributors all at the daily cap, ${CONNECTIONS} connections, one ${SECONDS}-s run`,
      values: each((r) =>
        r.maxCapped
          ? `${kept(r.maxCapped)}, ${fmt.ratio(r.maxCapped.rate / (noopRate || Number.NaN))} of the no-op app's`
          : undefined,
      ),
    },
    ...[
      { run: asyncCommit, measure: "throughput with synchronous_commit=off (operator's choice)" },
      {
        run: remote,
        measure: `throughput with PostgreSQL ${REMOTE_DELAY_MS} ms away each way (a delaying proxy)`,
      },
    ].flatMap(({ run, measure }) =>
      run
        ? [
            {
              area: "Webhooks, 1 repo",
              measure: `${measure}, ${CONNECTIONS} connections`,
              values: {
                [COLUMN.postgres]: `${kept(run.max)}, ${fmt.ratio(run.max.rate / (noopRate || Number.NaN))} of the no-op app's`,
              },
            },
          ]
        : [],
    ),
    { area: "Webhooks", measure: "peak memory of the server process", values: each((r) => fmt.mb(r.peakRssBytes)) },
  ];
}

function growthRows(runs: Partial<Record<StoreKind, GrowthRun>>): BenchRow[] {
  const each = (pick: (r: GrowthRun) => string) =>
    Object.fromEntries(Object.entries(runs).map(([k, r]) => [COLUMN[k as StoreKind], r ? pick(r) : "–"]));
  const all = Object.values(runs).filter((r): r is GrowthRun => r !== undefined);
  const stateRatio = (r: GrowthRun) => r.stateMs.large / r.stateMs.small;
  const rateRatio = (m: { small: Measured; large: Measured }) => m.small.rate / Math.max(m.large.rate, 1e-9);
  const size = `${SMALL.contributors} vs ${LARGE.contributors.toLocaleString("en-US")} contributors (${LARGE.feedings.toLocaleString("en-US")} feedings)`;
  const rows: BenchRow[] = [
    { area: "Growth", measure: `seed ${size}`, values: each((r) => `${r.seedSeconds.toFixed(1)} s`) },
    {
      area: "Growth",
      measure: "JSON state read (loadRepoDash), median small / large",
      values: each((r) => `${fmt.ms(r.stateMs.small)} / ${fmt.ms(r.stateMs.large)} (×${fmt.ratio(stateRatio(r))})`),
      target: "≤ 2×",
      meets: all.every((r) => stateRatio(r) <= 2),
    },
    {
      area: "Growth",
      measure: "GET JSON state, small / large",
      values: each(
        (r) => `${fmt.rate(r.json.small.rate)} / ${fmt.rate(r.json.large.rate)} (×${fmt.ratio(rateRatio(r.json))})`,
      ),
      target: "≤ 2×",
      meets: all.every((r) => rateRatio(r.json) <= 2),
    },
  ];
  if (all.some((r) => r.card)) {
    rows.push({
      area: "Growth",
      measure: "GET card .svg (warm), small / large",
      values: each((r) =>
        r.card
          ? `${fmt.rate(r.card.small.rate)} / ${fmt.rate(r.card.large.rate)} (×${fmt.ratio(rateRatio(r.card))})`
          : "–",
      ),
      target: "≤ 2×",
      meets: all.every((r) => !r.card || rateRatio(r.card) <= 2),
    });
  }
  rows.push(
    { area: "Growth", measure: "peak memory serving the large repo", values: each((r) => fmt.mb(r.peakRssBytes)) },
    {
      area: "GitHub API",
      measure: "calls per badge / JSON view",
      values: each(
        (r) =>
          `${(r.githubCalls / Math.max(r.views, 1)).toFixed(3)} (${r.githubCalls} in ${r.views.toLocaleString("en-US")})`,
      ),
      target: "0",
      meets: all.every((r) => r.githubCalls === 0),
    },
  );
  return rows;
}

async function main(): Promise<void> {
  const github = await startFakeGitHub();
  const pgProblem = await postgresProblem();
  if (pgProblem) log(`PostgreSQL columns skipped: ${pgProblem}`);
  const kinds: StoreKind[] = pgProblem ? ["sqlite"] : ["sqlite", "postgres"];
  try {
    const hooks: Partial<Record<Target, WebhookRun>> = {};
    for (const target of ["noop", ...kinds] as const) {
      log(`webhooks: ${target}, full speed, a steady 200/s and 50 repos …`);
      hooks[target] = await benchWebhooks({ target, github, seconds: SECONDS, connections: CONNECTIONS });
    }
    const levels = await benchRatios({
      kinds,
      github,
      rounds: ROUNDS,
      seconds: RATIO_SECONDS,
      connections: RATIO_CONNECTIONS,
      log,
    });
    let asyncCommit: WebhookRun | undefined;
    let remote: WebhookRun | undefined;
    if (kinds.includes("postgres")) {
      log(`webhooks: postgres, ${REMOTE_DELAY_MS} ms away each way …`);
      remote = await benchWebhooks({
        target: "postgres",
        github,
        seconds: SECONDS,
        connections: CONNECTIONS,
        pgDelayMs: REMOTE_DELAY_MS,
        throughputOnly: true,
      });
      log("webhooks: postgres, synchronous_commit=off …");
      asyncCommit = await benchWebhooks({
        target: "postgres",
        github,
        seconds: SECONDS,
        connections: CONNECTIONS,
        pgSettings: "-c synchronous_commit=off",
        throughputOnly: true,
      });
    }
    const growth: Partial<Record<StoreKind, GrowthRun>> = {};
    for (const kind of kinds) {
      log(`growth: ${kind} …`);
      growth[kind] = await benchGrowth({ kind, github, seconds: Math.max(2, SECONDS / 2) });
    }
    log("replay of the example payloads …");
    const replay = await replayExamples(github);
    const perDelivery = replay.githubCalls / replay.deliveries;
    log("cards: fresh renders and warm serving …");
    const cards = await benchCards();
    const rows = [
      ...webhookRows(hooks, levels, asyncCommit, remote),
      ...growthRows(growth),
      {
        area: "GitHub API",
        measure: `calls per delivery, replay of ${replay.deliveries} example payloads (${replay.answered2xx} answered 2xx)`,
        values: { Value: `${perDelivery.toFixed(3)} (${replay.githubCalls} calls)` },
        target: "< 0.1",
        meets: perDelivery < 0.1,
      },
      ...cards,
    ];
    const columns = ["Value", ...Object.values(COLUMN)].filter((c) => rows.some((r) => r.values[c] !== undefined));
    for (const r of rows) for (const c of Object.keys(r.values)) if (!columns.includes(c)) columns.push(c);
    console.log(
      `\nReposiTori benchmark: ${new Date().toISOString()}, ${SECONDS} s per longer load run, ${RATIO_SECONDS} s per interleaved run\n`,
    );
    console.log(printTable(rows, columns));
    console.log(`\nGitHub calls in the replay, by route: ${replay.byRoute.map(([r, n]) => `${r} × ${n}`).join("; ")}`);
  } finally {
    await github.close();
  }
}

await main();
