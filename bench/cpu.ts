import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU time spent during one load run, in microseconds per answered request. */
export interface CpuPerRequest {
  /** The process under test (the App or the no-op app). */
  server: number;
  /**
   * Its main thread alone (the event loop, where JavaScript and the App's SQLite run), and the share of
   * the run's wall time it was busy: near 100 % it is the limit.
   */
  mainThread?: { perRequest: number; busy: number };
  /** The PostgreSQL server's processes, when the run used PostgreSQL. */
  postgres?: number;
  /** This process: the load generator. */
  loadGenerator: number;
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU milliseconds in a Linux /proc `stat` file: the sum of the given fields (counted after the command
 * name); null where /proc is missing.
 */
function statCpuMs(path: string, fieldIndexes: readonly number[]): number | null {
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = fieldIndexes.reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * A process's CPU (user + system), counting its children that have exited (so PostgreSQL backends
 * that end during a run still count).
 */
const processCpuMs = (pid: number | string) => statCpuMs(`/proc/${pid}/stat`, [11, 12, 13, 14]);

/** A process's main thread (its first task, whose id is the process id): user + system. */
const mainThreadCpuMs = (pid: number) => statCpuMs(`/proc/${pid}/task/${pid}/stat`, [11, 12]);

/** CPU milliseconds of every process named `postgres` (the server and its backends). */
function postgresCpuMs(): number | null {
  let total = 0;
  let found = false;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    const ms = processCpuMs(pid);
    if (ms === null) continue;
    total += ms;
    found = true;
  }
  return found ? total : null;
}

/**
 * Runs `run` and tells the CPU each side spent per answered request: a figure that drifts less with
 * the machine's speed than a throughput does, and that says where the time goes (undefined off Linux).
 * The PostgreSQL figure assumes the benchmark is the server's only client meanwhile.
 */
export async function withCpu<T extends { ok: number }>(
  pid: number | undefined,
  postgres: boolean,
  run: () => Promise<T>,
): Promise<T & { cpu?: CpuPerRequest }> {
  const server0 = pid ? processCpuMs(pid) : null;
  const main0 = pid ? mainThreadCpuMs(pid) : null;
  const postgres0 = postgres ? postgresCpuMs() : null;
  const self0 = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const self = process.cpuUsage(self0);
  const server1 = pid ? processCpuMs(pid) : null;
  const main1 = pid ? mainThreadCpuMs(pid) : null;
  const postgres1 = postgres ? postgresCpuMs() : null;
  if (server0 === null || server1 === null || result.ok === 0) return result;
  const perRequest = (ms: number) => (ms * 1000) / result.ok;
  return {
    ...result,
    cpu: {
      server: perRequest(server1 - server0),
      ...(main0 !== null && main1 !== null
        ? { mainThread: { perRequest: perRequest(main1 - main0), busy: (main1 - main0) / wallMs } }
        : {}),
      loadGenerator: (self.user + self.system) / result.ok,
      ...(postgres0 !== null && postgres1 !== null ? { postgres: perRequest(postgres1 - postgres0) } : {}),
    },
  };
}
