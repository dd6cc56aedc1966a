import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { printableDatabaseUrl, StoreOpenError, storeOpenError } from "../../src/store/open-failure.js";
import { DatabaseUnreachableError } from "../../src/store/unreachable.js";

const MAIN = resolve(import.meta.dirname, "../../src/main.ts");
const TSX = import.meta.resolve("tsx");
const LOOPBACK_ONLY = new URL("../helpers/loopback-only.mjs", import.meta.url).href;

/** Starts the App as an operator would, with `databaseUrl`, and returns how it ended. */
function startWith(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "repositori-open-"));
  const child = spawn(process.execPath, ["--import", LOOPBACK_ONLY, "--import", TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: databaseUrl, PORT: "0", LOG_LEVEL: "info", ...extra },
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((done) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      done({ code, stderr, stdout });
    }),
  );
}

describe("a store that cannot be opened at start-up", () => {
  it("is printed without the password, with what to do about the usual causes", () => {
    expect(printableDatabaseUrl("postgres://app:s3cr3t@db.internal:5432/dash?sslmode=require")).toBe(
      "postgres://app:***@db.internal:5432/dash?sslmode=require",
    );
    expect(printableDatabaseUrl("sqlite:data/repositori.db")).toBe("sqlite:data/repositori.db");
    expect(printableDatabaseUrl("postgres://app@db/dash?password=hunter2&sslmode=require")).toBe(
      "postgres://app@db/dash?password=***&sslmode=require",
    );
    const missing = Object.assign(new Error('database "dash" does not exist'), { code: "3D000" });
    const err = storeOpenError("postgres://app:s3cr3t@db.internal/dash", missing);
    expect(err).toBeInstanceOf(StoreOpenError);
    expect(err.cause).toBe(missing);
    expect(err.message).toBe(
      'ReposiTori cannot open its database (DATABASE_URL=postgres://app:***@db.internal/dash): database "dash" does not exist; create that database, or point DATABASE_URL at one that exists',
    );
    expect(storeOpenError("postgres://h/d", new DatabaseUnreachableError("connect ECONNREFUSED")).message).toMatch(
      /ECONNREFUSED; is the database server running, and reachable from here\?$/,
    );
    // A reason without a known cause is passed on as it is, with no made-up advice.
    expect(storeOpenError("sqlite:x.db", new Error("disk I/O error")).message).toBe(
      "ReposiTori cannot open its database (DATABASE_URL=sqlite:x.db): disk I/O error",
    );
  });

  it("stops the App with one line that says so (SQLite: not a database file)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "repositori-notadb-")), "dash.db");
    writeFileSync(file, "this is not a SQLite database, but some other file the URL points at by mistake\n".repeat(20));
    const out = await startWith(`sqlite:${file}`);
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe(
      `ReposiTori cannot open its database (DATABASE_URL=sqlite:${file}): file is not a database; DATABASE_URL names a file that is not a SQLite database`,
    );
  }, 30_000);

  it("stops the App with one line and no password (PostgreSQL: no such database, or no server)", async () => {
    const out = await startWith("postgres://postgres:Pa55-w0rd@127.0.0.1:5432/repositori_no_such_database");
    expect(out.code).toBe(1);
    const lines = out.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    // Which cause depends on whether a server listens here; either way the line says what to do.
    expect(lines[0]).toMatch(
      /^ReposiTori cannot open its database \(DATABASE_URL=postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/repositori_no_such_database\): .+; (create that database|is the database server running)/,
    );
    expect(out.stderr + out.stdout).not.toContain("Pa55-w0rd");
  }, 30_000);

  it("says what to write for a URL without a scheme, in one line (the database, then the blob folder)", async () => {
    const db = await startWith("./dash.db");
    expect(db.code).toBe(1);
    expect(db.stderr.trim().split("\n")).toHaveLength(1);
    expect(db.stderr).toContain("for a SQLite file write sqlite:<path>");
    const blobs = await startWith("sqlite::memory:", { BLOB_URL: "/tmp/blobs" });
    expect(blobs.code).toBe(1);
    expect(blobs.stderr.trim()).toBe(
      'BLOB_URL must start with file: or s3:// (got "/tmp/blobs", which has no scheme; for a folder write file:/tmp/blobs)',
    );
  }, 30_000);
});
