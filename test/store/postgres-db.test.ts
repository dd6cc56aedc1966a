import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DatabaseUnreachableError, PostgresDb } from "../../src/store/postgres-db.js";
import { runGroups, runPhases } from "../../src/store/sql-rows.js";
import { startTcpProxy, type TcpProxy } from "../faults/tcp-proxy.js";
import { signal } from "../helpers/signal.js";
import { createTestDatabase, PG_ADMIN_URL, storeAvailable, type TestDatabase } from "../helpers/stores.js";

/** The same database as `db.url`, reached through `port` and with extra URL settings. */
function variant(url: string, settings: Record<string, string>, port?: number): string {
  const u = new URL(url);
  if (port) u.port = String(port);
  for (const [k, v] of Object.entries(settings)) u.searchParams.set(k, v);
  return u.toString();
}

describe.skipIf(!storeAvailable("postgres"))("PostgresDb", () => {
  let target: TestDatabase;
  let proxy: TcpProxy;
  const opened: PostgresDb[] = [];
  const open = (url: string, opts?: ConstructorParameters<typeof PostgresDb>[1]) => {
    const db = new PostgresDb(url, opts);
    opened.push(db);
    return db;
  };
  beforeAll(async () => {
    target = await createTestDatabase("postgres");
    const admin = new URL(PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  });
  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    await proxy?.close();
    await target?.drop();
  });

  it("keeps working when another process's migration changes what its prepared statements return", async () => {
    const url = variant(target.url, { pool_max: "4" });
    const db = open(url);
    await db.exec("CREATE TABLE stale_t (k TEXT PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0)");
    const upsert = "INSERT INTO stale_t (k) VALUES ($1) ON CONFLICT (k) DO UPDATE SET n = stale_t.n + 1 RETURNING k, n";
    const read = "SELECT k, n FROM stale_t WHERE k = $1";
    // Every connection of the pool prepares both statements: four transactions at once, held open
    // together so that each takes its own connection.
    let arrived = 0;
    let release: () => void = () => undefined;
    const together = new Promise<void>((done) => {
      release = done;
    });
    await Promise.all(
      ["a", "b", "c", "d"].map((k) =>
        db.transaction(async (tx) => {
          await tx.query(upsert, [k]);
          await tx.query(read, [k]);
          if (++arrived === 4) release();
          await together;
        }),
      ),
    );
    // Another replica's migration: the key's type stays TEXT, its collation changes.
    const other = open(target.url);
    await other.exec('ALTER TABLE stale_t ALTER COLUMN k TYPE TEXT COLLATE "C"');
    // Every stale connection fails once and is replaced; no call fails.
    for (const k of ["a", "b", "c", "d", "e"]) {
      const rows = await db.transaction((tx) => tx.query<{ k: string; n: number }>(upsert, [k]));
      expect(rows).toEqual([{ k, n: k === "e" ? 0 : 1 }]);
    }
    for (const k of ["a", "e"]) expect(await db.query(read, [k])).toHaveLength(1);
  });

  it("runs a group of independent statements in one statement and hands back each one's rows", async () => {
    const db = open(target.url);
    await db.exec(
      "CREATE TABLE grp_a (k TEXT PRIMARY KEY, n BIGINT NOT NULL); CREATE TABLE grp_b (k TEXT PRIMARY KEY)",
    );
    await db.query("INSERT INTO grp_a (k, n) VALUES ('x', 1)");
    const results = await db.transaction(async (tx) => {
      const rows = await tx.all?.([
        {
          text: "INSERT INTO grp_a (k, n) VALUES ($1, $2), ($3, $4) ON CONFLICT (k) DO UPDATE SET n = grp_a.n + excluded.n RETURNING k, n",
          params: ["x", 5, "y", 7],
        },
        { text: "INSERT INTO grp_b (k) VALUES ($1)", params: ["it's; DROP TABLE grp_a; --"] },
        { text: "INSERT INTO grp_b (k) VALUES ($1) ON CONFLICT DO NOTHING RETURNING k", params: ["z"] },
      ]);
      // A later statement of the same transaction sees what the group wrote.
      const after = await tx.query<{ n: number }>("SELECT n FROM grp_a WHERE k = $1", ["x"]);
      return { rows, after };
    });
    expect(results.rows?.[0]?.sort((a, b) => String(a.k).localeCompare(String(b.k)))).toEqual([
      { k: "x", n: 6 },
      { k: "y", n: 7 },
    ]);
    expect(results.rows?.[1]).toEqual([]);
    expect(results.rows?.[2]).toEqual([{ k: "z" }]);
    expect(results.after).toEqual([{ n: 6 }]);
    expect(await db.query("SELECT k FROM grp_b ORDER BY k")).toEqual([{ k: "it's; DROP TABLE grp_a; --" }, { k: "z" }]);
  });

  it("reports a server that is not there as 'database unreachable', without the password", async () => {
    const db = open("postgres://postgres:hunter2@127.0.0.1:1/test", { connectRetries: 1 });
    const err = await db.query("SELECT 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnreachableError);
    expect((err as Error).message).toMatch(/^database unreachable: .*ECONNREFUSED/);
    expect((err as Error).message).not.toContain("hunter2");
    await expect(db.transaction(async (tx) => tx.query("SELECT 1"))).rejects.toBeInstanceOf(DatabaseUnreachableError);
  });

  it("cancels a statement that runs past the statement timeout", async () => {
    const db = open(variant(target.url, { statement_timeout: "200" }));
    await expect(db.query("SELECT pg_sleep(2)")).rejects.toMatchObject({ code: "57014" });
    expect(await db.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });

  it("runs the same statements with and without prepared statements", async () => {
    for (const prepare of ["true", "false"]) {
      const db = open(variant(target.url, { prepare }));
      for (let i = 0; i < 3; i++) expect(await db.query("SELECT $1::int + 1 AS n", [i])).toEqual([{ n: i + 1 }]);
      expect(await db.transaction((tx) => tx.query("SELECT $1::text AS t", ["x"]))).toEqual([{ t: "x" }]);
    }
  });

  it("prepares a group of statements on its second run, not its first, unless prepare=false", async () => {
    await open(target.url).exec("CREATE TABLE prep_a (k TEXT PRIMARY KEY); CREATE TABLE prep_b (k TEXT PRIMARY KEY)");
    const group = (k: string) => [
      { text: "INSERT INTO prep_a (k) VALUES ($1) ON CONFLICT DO NOTHING RETURNING k", params: [k] },
      { text: "INSERT INTO prep_b (k) VALUES ($1) ON CONFLICT DO NOTHING", params: [k] },
    ];
    for (const prepare of ["false", "true"]) {
      // One connection, so that the statements it has prepared are the ones pg_prepared_statements lists.
      const db = open(variant(target.url, { pool_max: "1", prepare }));
      const preparedGroups = async () => {
        const [row] = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'WITH q0 AS (INSERT INTO prep_a%'",
        );
        return row?.n;
      };
      const run = (k: string) => db.transaction(async (tx) => (await tx.all?.(group(`${prepare}-${k}`)))?.[0]);
      expect(await run("1")).toEqual([{ k: `${prepare}-1` }]);
      expect(await preparedGroups()).toBe(0);
      expect(await run("2")).toEqual([{ k: `${prepare}-2` }]);
      expect(await run("3")).toEqual([{ k: `${prepare}-3` }]);
      expect(await preparedGroups()).toBe(prepare === "true" ? 1 : 0);
    }
    expect(await open(target.url).query("SELECT count(*)::int AS n FROM prep_b")).toEqual([{ n: 6 }]);

    // A large group is never prepared (each costs every connection server memory by its size).
    const db = open(variant(target.url, { pool_max: "1" }));
    const keys = Array.from({ length: 600 }, (_, i) => `big-${i}`);
    const big = (round: number) => [
      {
        text: `INSERT INTO prep_a (k) VALUES ${keys.map((_, i) => `($${i + 1})`).join(", ")} ON CONFLICT DO NOTHING`,
        params: keys.map((k) => `${k}-${round}`),
      },
      {
        text: `INSERT INTO prep_b (k) VALUES ${keys.map((_, i) => `($${i + 1})`).join(", ")} ON CONFLICT DO NOTHING`,
        params: keys.map((k) => `${k}-${round}`),
      },
    ];
    for (let round = 0; round < 3; round++) await db.transaction(async (tx) => tx.all?.(big(round)));
    const [prepared] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'WITH q0 AS (INSERT INTO prep_a%'",
    );
    expect(prepared?.n).toBe(0);
    expect(await db.query("SELECT count(*)::int AS n FROM prep_b")).toEqual([{ n: 6 + 3 * 600 }]);
  });

  it("prepares no group beyond its memory budget (prepare_budget_mib)", async () => {
    await open(target.url).exec("CREATE TABLE bud_a (k TEXT PRIMARY KEY); CREATE TABLE bud_b (k TEXT PRIMARY KEY)");
    // 40 rows: a group of 80 parameters, counted as 208, more than a budget of 0.05 MiB (128) allows.
    const keys = Array.from({ length: 40 }, (_, i) => i);
    const group = (round: string) =>
      ["bud_a", "bud_b"].map((table) => ({
        text: `INSERT INTO ${table} (k) VALUES ${keys.map((i) => `($${i + 1})`).join(", ")}`,
        params: keys.map((i) => `${round}-${i}`),
      }));
    const preparedBy = async (budget: string) => {
      const db = open(variant(target.url, { pool_max: "1", prepare_budget_mib: budget }));
      for (const round of ["1", "2", "3"]) await db.transaction(async (tx) => tx.all?.(group(`${budget}/${round}`)));
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'WITH q0 AS (INSERT INTO bud_a%'",
      );
      return row?.n;
    };
    expect(await preparedBy("0.05")).toBe(0);
    expect(await preparedBy("0.1")).toBe(1);
    expect(await open(target.url).query("SELECT count(*)::int AS n FROM bud_b")).toEqual([{ n: 6 * 40 }]);
  });

  it("never opens more connections than pool_max", async () => {
    const db = open(variant(target.url, { pool_max: "3" }));
    const rows = await Promise.all(
      Array.from({ length: 12 }, () => db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)")),
    );
    const pids = new Set(rows.map((r) => r[0]?.pid));
    expect(pids.size).toBeGreaterThan(0);
    expect(pids.size).toBeLessThanOrEqual(3);
  });

  it("sends a transaction's phases without waiting, in order, and commits with the last one", async () => {
    const db = open(target.url);
    await db.exec("CREATE TABLE ph (k TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    const phases = await db.transaction((tx) =>
      runPhases(
        tx,
        [
          [[{ text: "INSERT INTO ph (k, n) VALUES ($1, $2) RETURNING n", params: ["a", 1] }]],
          // Sees what the first phase wrote, although it was sent before the first one answered.
          [
            [
              {
                text: "UPDATE ph SET n = n + (SELECT n FROM ph WHERE k = $1) + 1 WHERE k = $1 RETURNING n",
                params: ["a"],
              },
            ],
          ],
        ],
        { last: true },
      ),
    );
    expect(phases[0]?.[0]).toEqual([{ n: 1 }]);
    expect(phases[1]?.[0]).toEqual([{ n: 3 }]);
    expect(await open(target.url).query("SELECT n FROM ph")).toEqual([{ n: 3 }]);
  });

  it("writes the statements it sends in one turn to the socket at once, BEGIN and COMMIT included", async () => {
    const db = open(target.url, { max: 1 });
    await db.exec("CREATE TABLE wr (k TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    // Each call is one write to the connection's socket (a system call): counted, not timed.
    const write = vi.spyOn(Socket.prototype, "_write");
    const writev = vi.spyOn(Socket.prototype, "_writev");
    try {
      await db.transaction((tx) =>
        runPhases(
          tx,
          [
            [[{ text: "INSERT INTO wr (k, n) VALUES ($1, $2)", params: ["a", 1] }]],
            [[{ text: "UPDATE wr SET n = n + 1 WHERE k = $1", params: ["a"] }]],
          ],
          { last: true },
        ),
      );
      // BEGIN, two statements and COMMIT: four writes when each goes out on its own.
      expect(write.mock.calls.length + writev.mock.calls.length).toBe(1);
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
    expect(await db.query("SELECT n FROM wr")).toEqual([{ n: 2 }]);
  });

  it("rolls everything back when the group sent with the COMMIT fails", async () => {
    const db = open(target.url);
    await db.exec("CREATE TABLE rb (k TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n > 0))");
    let attempts = 0;
    const err = await db
      .transaction(async (tx) => {
        attempts++;
        await tx.query("INSERT INTO rb (k, n) VALUES ($1, $2)", ["kept?", 1]);
        return runGroups(tx, [[{ text: "INSERT INTO rb (k, n) VALUES ($1, $2)", params: ["bad", -1] }]], {
          last: true,
        });
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23514" });
    expect(attempts).toBe(1);
    expect(await db.query("SELECT k FROM rb")).toEqual([]);
    // The connection is usable again: the next transaction on it commits.
    await db.transaction((tx) =>
      runGroups(tx, [[{ text: "INSERT INTO rb (k, n) VALUES ($1, $2)", params: ["ok", 2] }]], { last: true }),
    );
    expect(await db.query("SELECT k FROM rb")).toEqual([{ k: "ok" }]);
  });

  it("never runs again a body that failed after its last group had committed", async () => {
    const db = open(target.url);
    await db.exec("CREATE TABLE once (k TEXT PRIMARY KEY)");
    let attempts = 0;
    const err = await db
      .transaction(async (tx) => {
        attempts++;
        await runGroups(tx, [[{ text: "INSERT INTO once (k) VALUES ($1)", params: [`try-${attempts}`] }]], {
          last: true,
        });
        // Retryable by its code, but the transaction has committed: running it again would store twice.
        throw Object.assign(new Error("could not serialize access"), { code: "40001" });
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "40001" });
    expect(attempts).toBe(1);
    expect(await db.query("SELECT k FROM once")).toEqual([{ k: "try-1" }]);
  });

  it("retries a transaction that failed on a serialisation failure", async () => {
    const db = open(target.url);
    let attempts = 0;
    const result = await db.transaction(async (tx) => {
      attempts++;
      await tx.query("SELECT 1");
      if (attempts < 3) throw Object.assign(new Error("could not serialize access"), { code: "40001" });
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toBe(3);
  });

  it("gives a unique violation a few more tries, then reports a genuine duplicate", async () => {
    const db = open(target.url);
    await db.exec("CREATE TABLE uq (id INTEGER PRIMARY KEY)");
    let attempts = 0;
    const err = await db
      .transaction(async (tx) => {
        attempts++;
        await tx.query("INSERT INTO uq VALUES (1)");
        await tx.query("INSERT INTO uq VALUES (1)");
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505" });
    expect(attempts).toBe(3);
    expect(await db.query("SELECT id FROM uq")).toEqual([]);
  });

  it("retries the victim of a real deadlock, so both transactions commit", async () => {
    const db = open(target.url);
    await db.exec("CREATE TABLE dl (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO dl VALUES (1, 0), (2, 0)");
    let attempts = 0;
    // Each first try holds its first row until the other has locked its own: the second UPDATEs then
    // cross for certain. The victim's retry goes straight through.
    let holding = 0;
    const bothHold = signal();
    const crossing = (first: number, second: number) => {
      let tries = 0;
      return db.transaction(async (tx) => {
        attempts++;
        tries++;
        await tx.query("UPDATE dl SET n = n + 1 WHERE id = $1", [first]);
        if (tries === 1) {
          if (++holding === 2) bothHold.fire();
          await bothHold.promise;
        }
        await tx.query("UPDATE dl SET n = n + 1 WHERE id = $1", [second]);
      });
    };
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    expect(attempts).toBe(3);
    expect(await db.query("SELECT id, n FROM dl ORDER BY id")).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  it("recovers by itself when the connection comes back", async () => {
    const db = open(variant(target.url, {}, proxy.port), { connectRetries: 0 });
    expect(await db.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    proxy.cut();
    await expect(db.query("SELECT 1 AS ok")).rejects.toBeInstanceOf(DatabaseUnreachableError);
    await expect(db.transaction((tx) => tx.query("SELECT 1"))).rejects.toBeInstanceOf(DatabaseUnreachableError);
    proxy.restore();
    expect(await db.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    expect(await db.transaction((tx) => tx.query("SELECT 2 AS ok"))).toEqual([{ ok: 2 }]);
  });
});
