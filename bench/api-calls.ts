import examples from "@octokit/webhooks-examples" with { type: "json" };
import { FAULT_SECRET, startAppProcess } from "../test/faults/app-process.js";
import type { FakeGitHub } from "../test/faults/fake-github.js";
import { inParallel, keepAlive, post } from "../test/faults/push-load.js";
import { builtEntries } from "./built.js";
import { benchDatabase } from "./databases.js";

export interface ReplayRun {
  deliveries: number;
  answered2xx: number;
  githubCalls: number;
  /** GitHub calls by route, most frequent first. */
  byRoute: [string, number][];
}

/**
 * Replays every recorded payload of @octokit/webhooks-examples (every event GitHub sends) against the
 * App, each as from a Dart repo of installation 1, and counts the requests that reach GitHub.
 */
export async function replayExamples(github: FakeGitHub): Promise<ReplayRun> {
  const db = await benchDatabase("sqlite");
  const app = await startAppProcess({
    databaseUrl: db.url,
    githubUrl: github.url,
    env: { LOG_LEVEL: "fatal" },
    entry: (await builtEntries()).app,
  });
  try {
    const deliveries = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).flatMap(
      (entry) =>
        entry.examples.map((raw, i) => {
          const payload = structuredClone(raw);
          const repository = payload.repository as Record<string, unknown> | undefined;
          if (repository) repository.language = "Dart";
          payload.installation ??= { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
          return { id: `replay-${entry.name}-${i}`, event: entry.name, body: JSON.stringify(payload) };
        }),
    );
    const before = new Map(github.calls);
    const agent = keepAlive();
    const statuses = await inParallel(deliveries, 4, (d) =>
      post(
        app.url,
        { id: d.id, body: d.body, repo: { id: 0, owner: "", name: "" }, commits: [] },
        FAULT_SECRET,
        agent,
        d.event,
      ),
    );
    agent.destroy();
    // PR comments are brought up to date after their delivery is answered: count those calls too.
    for (let last = -1, quietSince = Date.now(), until = Date.now() + 15_000; Date.now() < until; ) {
      const total = [...github.calls.values()].reduce((n, c) => n + c, 0);
      if (total !== last) [last, quietSince] = [total, Date.now()];
      else if (Date.now() - quietSince >= 1000) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    const byRoute = [...github.calls]
      .map(([route, n]): [string, number] => [route, n - (before.get(route) ?? 0)])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    return {
      deliveries: deliveries.length,
      answered2xx: statuses.filter((s) => s >= 200 && s < 300).length,
      githubCalls: byRoute.reduce((n, [, c]) => n + c, 0),
      byRoute,
    };
  } finally {
    await app.kill("SIGTERM");
    await db.drop();
  }
}
