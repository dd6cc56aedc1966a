import { type AppProcess, FAULT_SECRET } from "../test/faults/app-process.js";
import type { FakeGitHub } from "../test/faults/fake-github.js";
import { startBuilt } from "./built.js";
import { withCpu } from "./cpu.js";
import { type BenchDatabase, benchDatabase, type StoreKind } from "./databases.js";
import { type Measured, measure, signedPushes } from "./load.js";

export type Target = "noop" | StoreKind;

/** The interleaved full-speed runs at one number of connections. */
export interface RatioLevel {
  connections: number;
  /** Each target's runs in order; the no-op app has one more than the rounds (it closes the last). */
  runs: Partial<Record<Target, Measured[]>>;
  /** Per store, per round: its rate over the mean of the no-op runs just before and just after it. */
  ratios: Partial<Record<StoreKind, number[]>>;
}

/**
 * Throughput against the no-op app, measured so that the machine's drift cancels out. This machine's
 * speed wanders by a third within a minute (the no-op app alone: 2,900 to 4,300 deliveries/s in
 * consecutive runs), so a ratio of two long runs half a minute apart says as much about the drift as
 * about the App. Here every server is started once and warmed up, then short full-speed runs take
 * turns (no-op, SQLite, PostgreSQL, no-op, PostgreSQL, SQLite, …), and each store's run is compared with the no-op runs
 * that bracket it, seconds away; the median round is the figure. Idle servers in between cost
 * nothing measurable.
 */
export async function benchRatios(opts: {
  kinds: readonly StoreKind[];
  github: FakeGitHub;
  rounds: number;
  seconds: number;
  connections: readonly number[];
  log: (line: string) => void;
}): Promise<RatioLevel[]> {
  const targets: Target[] = ["noop", ...opts.kinds];
  const started: { target: Target; db: BenchDatabase | null; server: AppProcess }[] = [];
  try {
    for (const target of targets) {
      const db = target === "noop" ? null : await benchDatabase(target);
      const server = await startBuilt(
        target === "noop" ? "noop" : "app",
        opts.github.url,
        db?.url ?? "sqlite::memory:",
      ).catch(async (err: unknown) => {
        await db?.drop();
        throw err;
      });
      started.push({ target, db, server });
    }
    const servers = new Map(
      started.map(({ target, server }) => [
        target,
        { server, make: signedPushes(FAULT_SECRET, `ratio-${target}-${Date.now()}`) },
      ]),
    );
    const run = async (target: Target, connections: number, seconds: number) => {
      const s = servers.get(target);
      if (!s) throw new Error(`no server for ${target}`);
      return withCpu(s.server.child.pid, target === "postgres", () =>
        measure({ url: s.server.url, connections, seconds, make: s.make }),
      );
    };
    for (const target of targets) await run(target, Math.max(...opts.connections), opts.seconds);
    const levels: RatioLevel[] = [];
    for (const connections of opts.connections) {
      opts.log(`webhooks: ${opts.rounds} interleaved rounds at ${connections} connections …`);
      const runs: Partial<Record<Target, Measured[]>> = {};
      const add = (target: Target, m: Measured) => {
        runs[target] = [...(runs[target] ?? []), m];
      };
      for (let round = 0; round < opts.rounds; round++) {
        // The no-op app opens every round; the stores take turns going first, so that what one leaves
        // behind (a checkpoint, PostgreSQL's background writes) falls on each alike.
        const stores = round % 2 === 0 ? opts.kinds : [...opts.kinds].reverse();
        for (const target of ["noop", ...stores] as Target[]) add(target, await run(target, connections, opts.seconds));
      }
      add("noop", await run("noop", connections, opts.seconds));
      const noop = runs.noop ?? [];
      const ratios = Object.fromEntries(
        opts.kinds.map((kind) => [
          kind,
          // A no-op run around it that answered nothing leaves the round without a ratio (NaN), not a pass.
          (runs[kind] ?? []).map((m, i) => {
            const before = noop[i]?.rate ?? 0;
            const after = noop[i + 1]?.rate ?? 0;
            return before > 0 && after > 0 ? m.rate / ((before + after) / 2) : Number.NaN;
          }),
        ]),
      );
      levels.push({ connections, runs, ratios });
    }
    return levels;
  } finally {
    for (const { server, db } of started) {
      await server.kill("SIGTERM");
      // One that cannot be dropped must not keep the others, nor hide the run's own error.
      await db?.drop().catch((err: unknown) => opts.log(`could not drop a benchmark database: ${String(err)}`));
    }
  }
}
