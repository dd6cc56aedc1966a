import { isUnreachable } from "./unreachable.js";

/** The store could not be opened or migrated at start-up; the message says what to fix. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/** `DATABASE_URL` as it may be printed: a PostgreSQL URL without its password. */
export function printableDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    // libpq also takes the password (and other secrets) as query parameters.
    for (const key of ["password", "sslpassword", "sslkey"])
      if (u.searchParams.has(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

/** What to do about the usual reasons a database refuses a new App, by SQLSTATE or SQLite code. */
const HINTS: Record<string, string> = {
  "3D000": "create that database, or point DATABASE_URL at one that exists",
  "28P01": "check the user name and password in DATABASE_URL",
  "28000": "the server refuses this user from here: check DATABASE_URL and the server's pg_hba.conf",
  "42501": "the database user needs the right to create tables in its schema (on the first start and on upgrades)",
  "3F000": "the schema in DATABASE_URL's search_path does not exist: create it",
  SQLITE_CANTOPEN: "the SQLite file's folder must exist and be writable by this process",
  SQLITE_READONLY: "the SQLite file must be writable by this process",
  SQLITE_NOTADB: "DATABASE_URL names a file that is not a SQLite database",
};

/** One actionable line for a failure to open or migrate the store at `url`; the cause is kept. */
export function storeOpenError(url: string, err: unknown): StoreOpenError {
  const code = String((err as { code?: unknown })?.code ?? "");
  const reason = err instanceof Error ? err.message : String(err);
  const hint =
    HINTS[code] ?? (isUnreachable(err) ? "is the database server running, and reachable from here?" : undefined);
  return new StoreOpenError(
    `ReposiTori cannot open its database (DATABASE_URL=${printableDatabaseUrl(url)}): ${reason}` +
      (hint ? `; ${hint}` : ""),
    { cause: err },
  );
}
