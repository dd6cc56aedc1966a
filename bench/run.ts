// `npm run bench`: the App's speed and cost in one table. Figures only; nothing here is asserted.
// BENCH_SECONDS (default 10) sets the length of each load run; BENCH_PG_URL the PostgreSQL server.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { startFakeGitHub } from "../test/faults/fake-github.js";
import { replayExamples } from "./api-calls.js";
import { postgresProblem, type StoreKind } from "./databases.js";
import { benchGrowth, type GrowthRun, LARGE, SMALL } from "./growth.js";
import type { Measured } from "./load.js";
import { type BenchRow, fmt, printTable } from "./table.js";
import { benchWebhooks, type WebhookRun } from "./webhooks.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;
const COLUMN: Record<StoreKind | "noop", string> = { noop: "No-op Probot", sqlite: "SQLite", postgres: "PostgreSQL" };
const log = (line: string) => process.stderr.write(`${line}\n`);

async function cardRows(): Promise<BenchRow[]> {
  const file = resolve(import.meta.dirname, "cards.ts");
  if (!existsSync(file)) return [];
  log("cards: bench/cards.ts …");
  const mod = (await import(file)) as { benchCards?: () => Promise<unknown> };
  const rows = (await mod.benchCards?.()) ?? [];
  // bench/cards.ts returns BenchRow-shaped rows; anything else is shown as one value per row.
  return (Array.isArray(rows) ? rows : []).map((r: Record<string, unknown>) =>
    typeof r.values === "object" && r.values !== null
      ? (r as unknown as BenchRow)
      : {
          area: String(r.area ?? "Cards"),
          measure: String(r.measure ?? r.name ?? ""),
          values: { Value: String(r.value ?? "") },
          ...(r.target ? { target: String(r.target) } : {}),
          ...(typeof r.meets === "boolean" ? { meets: r.meets } : {}),
        },
  );
}

function webhookRows(runs: Partial<Record<StoreKind | "noop", WebhookRun>>, asyncCommit?: WebhookRun): BenchRow[] {
  const noop = runs.noop;
  const each = (pick: (r: WebhookRun) => string | undefined) =>
    Object.fromEntries(
      Object.entries(runs).flatMap(([k, r]) => {
        const v = r ? pick(r) : undefined;
        return v === undefined ? [] : [[COLUMN[k as StoreKind], v]];
      }),
    );
  const stores = (Object.keys(runs) as (StoreKind | "noop")[]).filter((k) => k !== "noop") as StoreKind[];
  const ratios = stores.map((k) => (runs[k]?.max.rate ?? 0) / (noop?.max.rate || 1));
  const p99s = stores.map((k) => runs[k]?.fixed?.p99 ?? Number.POSITIVE_INFINITY);
  const kept = (m: Measured) => `${fmt.rate(m.rate)}${m.failed ? ` (${m.failed} failed)` : ""}`;
  return [
    { area: "Webhooks, 1 repo", measure: `throughput, ${CONNECTIONS} connections`, values: each((r) => kept(r.max)) },
    {
      area: "Webhooks, 1 repo",
      measure: "throughput ÷ no-op",
      values: Object.fromEntries(stores.map((k, i) => [COLUMN[k], fmt.ratio(ratios[i] ?? 0)])),
      target: "≥ 0.70",
      meets: ratios.every((r) => r >= 0.7),
    },
    {
      area: "Webhooks, 1 repo",
      measure: "p50 / p99 at full speed",
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
      measure: "throughput",
      values: each((r) => (r.maxManyRepos ? kept(r.maxManyRepos) : undefined)),
    },
    ...(asyncCommit
      ? [
          {
            area: "Webhooks, 1 repo",
            measure: "throughput with synchronous_commit=off (operator's choice)",
            values: {
              [COLUMN.postgres]: `${kept(asyncCommit.max)}, ${fmt.ratio(asyncCommit.max.rate / (noop?.max.rate || 1))} of no-op`,
            },
          },
        ]
      : []),
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
    const hooks: Partial<Record<StoreKind | "noop", WebhookRun>> = {};
    for (const target of ["noop", ...kinds] as const) {
      log(`webhooks: ${target} …`);
      hooks[target] = await benchWebhooks({ target, github, seconds: SECONDS, connections: CONNECTIONS });
    }
    let asyncCommit: WebhookRun | undefined;
    if (kinds.includes("postgres")) {
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
    const rows = [
      ...webhookRows(hooks, asyncCommit),
      ...growthRows(growth),
      {
        area: "GitHub API",
        measure: `calls per delivery, replay of ${replay.deliveries} example payloads (${replay.answered2xx} answered 2xx)`,
        values: { Value: `${perDelivery.toFixed(3)} (${replay.githubCalls} calls)` },
        target: "< 0.1",
        meets: perDelivery < 0.1,
      },
      ...(await cardRows()),
    ];
    const columns = ["Value", ...Object.values(COLUMN)].filter((c) => rows.some((r) => r.values[c] !== undefined));
    for (const r of rows) for (const c of Object.keys(r.values)) if (!columns.includes(c)) columns.push(c);
    console.log(`\nReposiTori benchmark: ${new Date().toISOString()}, ${SECONDS} s per load run\n`);
    console.log(printTable(rows, columns));
    console.log(`\nGitHub calls in the replay, by route: ${replay.byRoute.map(([r, n]) => `${r} × ${n}`).join("; ")}`);
  } finally {
    await github.close();
  }
}

await main();
