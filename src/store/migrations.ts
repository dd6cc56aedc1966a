import type { Migration } from "./db.js";

/**
 * The feeding log (an audit trail; counters above are what reads use). Only the id column differs by
 * dialect. Its index by delivery id is dropped again by core-004.
 */
function feedingLog(idColumn: string): string {
  return `
CREATE TABLE feedings (
  id ${idColumn},
  delivery_id TEXT NOT NULL,
  repo_id BIGINT NOT NULL,
  login_key TEXT NOT NULL,
  food TEXT NOT NULL,
  count INTEGER NOT NULL,
  source_key TEXT NOT NULL,
  fed_at BIGINT NOT NULL
);
CREATE INDEX feedings_by_delivery ON feedings (delivery_id);
`;
}

/**
 * A migration that gives text key columns PostgreSQL's "C" collation: they are compared byte by byte,
 * as SQLite's BINARY does. Keys are lower-cased logins, commit SHAs, delivery ids, food names and
 * ISO days, which need no language's rules; byte order makes a leaderboard's or a PR comment's ties
 * list in the same order on both stores whatever the server's locale, and spares every index lookup
 * the locale's comparison (measured on the store alone: about 5 % more feedings per second on a
 * C.UTF-8 server; likely more under locales such as en_US). The table is not rewritten; PostgreSQL
 * rebuilds the indexes on these columns, holding the table's lock meanwhile (about 0.3 s per
 * 200,000 rows here).
 */
export function bytewiseKeys(id: string, tables: Record<string, readonly string[]>): Migration {
  const postgres = Object.entries(tables)
    .map(
      ([table, columns]) =>
        `ALTER TABLE ${table} ${columns.map((c) => `ALTER COLUMN ${c} TYPE TEXT COLLATE "C"`).join(", ")};`,
    )
    .join("\n");
  // SQLite compares text with BINARY (byte order) unless told otherwise: nothing to change.
  return { id, postgres, sqlite: "" };
}

/**
 * SQLite: a table rebuilt as WITHOUT ROWID, so its rows live in the primary key's own B-tree. A rowid
 * table with a text or composite key keeps each row twice, in the table and in the key's index, and
 * a feeding wrote both for every row. A rowid table's text key may hold NULL, which no lookup finds;
 * such rows (none the App writes) are not copied, rather than failing the upgrade.
 */
function withoutRowid(table: string, columns: string, primaryKey: string, indexes = ""): string {
  const names = columns
    .split(",")
    .map((c) => c.trim().split(/\s+/)[0])
    .join(", ");
  const keyed = primaryKey
    .split(",")
    .map((c) => `${c.trim()} IS NOT NULL`)
    .join(" AND ");
  return `
CREATE TABLE ${table}_keyed (${columns}, PRIMARY KEY (${primaryKey})) WITHOUT ROWID;
INSERT INTO ${table}_keyed (${names}) SELECT ${names} FROM ${table} WHERE ${keyed};
DROP TABLE ${table};
ALTER TABLE ${table}_keyed RENAME TO ${table};
${indexes}`;
}

/** Each repo's foods by kind, summed from the feeding log (see core-007). */
const REPO_FOODS_FROM_LOG = `
INSERT INTO repo_foods (repo_id, food, count)
SELECT repo_id, food, SUM(count) FROM feedings GROUP BY repo_id, food
ON CONFLICT (repo_id, food) DO UPDATE SET count = excluded.count;
`;

/**
 * The core schema. Times are epoch milliseconds and flags are 0/1 integers so the same SQL serves
 * SQLite and PostgreSQL. Aggregates (xp, foods per kind, foods per day) are kept as counters updated
 * in the feeding transaction, so reading a Dash never scans the feeding log.
 */
export const coreMigrations: Migration[] = [
  {
    id: "core-001-schema",
    sql: `
CREATE TABLE repos (
  id BIGINT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  full_name_key TEXT NOT NULL UNIQUE,
  private INTEGER NOT NULL DEFAULT 0,
  installation_id BIGINT,
  installed INTEGER NOT NULL DEFAULT 0,
  xp BIGINT NOT NULL DEFAULT 0,
  foods BIGINT NOT NULL DEFAULT 0,
  last_fed_at BIGINT,
  dash_name TEXT,
  outfit TEXT,
  badge_token TEXT,
  display TEXT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  repo_id BIGINT,
  received_at BIGINT NOT NULL
);
CREATE TABLE fed_sources (
  repo_id BIGINT NOT NULL,
  source_key TEXT NOT NULL,
  PRIMARY KEY (repo_id, source_key)
);
CREATE TABLE repo_foods (
  repo_id BIGINT NOT NULL,
  food TEXT NOT NULL,
  count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (repo_id, food)
);
CREATE TABLE repo_days (
  repo_id BIGINT NOT NULL,
  day TEXT NOT NULL,
  foods BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (repo_id, day)
);
CREATE TABLE contributors (
  repo_id BIGINT NOT NULL,
  login_key TEXT NOT NULL,
  login TEXT NOT NULL,
  xp BIGINT NOT NULL DEFAULT 0,
  foods BIGINT NOT NULL DEFAULT 0,
  last_fed_at BIGINT,
  opted_out INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (repo_id, login_key)
);
CREATE INDEX contributors_board ON contributors (repo_id, opted_out, xp DESC, login_key);
CREATE TABLE contributor_days (
  repo_id BIGINT NOT NULL,
  login_key TEXT NOT NULL,
  day TEXT NOT NULL,
  foods BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (repo_id, login_key, day)
);
CREATE TABLE users (
  login_key TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  xp BIGINT NOT NULL DEFAULT 0,
  foods BIGINT NOT NULL DEFAULT 0,
  last_fed_at BIGINT
);
CREATE TABLE user_foods (
  login_key TEXT NOT NULL,
  food TEXT NOT NULL,
  count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (login_key, food)
);
CREATE TABLE user_days (
  login_key TEXT NOT NULL,
  day TEXT NOT NULL,
  foods BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (login_key, day)
);
`,
  },
  {
    id: "core-002-feeding-log",
    sqlite: feedingLog("INTEGER PRIMARY KEY AUTOINCREMENT"),
    postgres: feedingLog("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
  },
  {
    // The leaderboard size as a counter on the repo row: reading a Dash with 10,000 contributors then
    // costs what reading one with 10 does.
    id: "core-003-contributor-count",
    sql: `
ALTER TABLE repos ADD COLUMN contributor_count BIGINT NOT NULL DEFAULT 0;
UPDATE repos SET contributor_count = (
  SELECT COUNT(*) FROM contributors c WHERE c.repo_id = repos.id AND c.opted_out = 0 AND c.xp > 0
);
`,
  },
  {
    // Nothing reads the feeding log by delivery id, and each feeding inserted a random key into this
    // index: on SQLite that was a quarter of the pages every feeding batch wrote to the WAL.
    id: "core-004-drop-feedings-by-delivery",
    sql: "DROP INDEX IF EXISTS feedings_by_delivery;",
  },
  {
    // The feeding batch that stored each delivery: the batch's next statements, sent before the
    // delivery rows have answered, tell the deliveries it inserted from redeliveries of ones stored
    // earlier.
    id: "core-005-deliveries-batch",
    sql: "ALTER TABLE deliveries ADD COLUMN batch TEXT;",
  },
  bytewiseKeys("core-006-bytewise-keys", {
    repos: ["full_name_key"],
    deliveries: ["id"],
    fed_sources: ["source_key"],
    repo_foods: ["food"],
    repo_days: ["day"],
    contributors: ["login_key"],
    contributor_days: ["login_key", "day"],
    users: ["login_key"],
    user_foods: ["login_key", "food"],
    user_days: ["login_key", "day"],
  }),
  {
    // A private repo's foods by kind were left out with its contributors' personal counters (fixed in
    // batchTotals). The feeding log holds every food granted, so each repo's counts are summed from it
    // again; a public repo's come out as they were. One scan of the log, at the upgrade only.
    id: "core-007-repo-foods-from-log",
    sqlite: REPO_FOODS_FROM_LOG,
    // Replicas of the version before may be feeding meanwhile (a rolling upgrade): the log is locked
    // against new rows until the migration commits (their batches wait), so that no food is counted
    // after the sum was taken and then overwritten by it.
    postgres: `LOCK TABLE feedings IN SHARE MODE;\n${REPO_FOODS_FROM_LOG}`,
  },
  {
    // The tables every feeding writes, keyed by their primary key alone on SQLite (see withoutRowid);
    // PostgreSQL keeps rows in a heap with separate indexes whatever the declaration, so nothing changes
    // there. Measured: see docs/benchmark.md.
    id: "core-008-sqlite-without-rowid",
    postgres: "",
    sqlite: [
      withoutRowid("deliveries", "id TEXT NOT NULL, repo_id BIGINT, received_at BIGINT NOT NULL, batch TEXT", "id"),
      withoutRowid("fed_sources", "repo_id BIGINT NOT NULL, source_key TEXT NOT NULL", "repo_id, source_key"),
      withoutRowid(
        "repo_foods",
        "repo_id BIGINT NOT NULL, food TEXT NOT NULL, count BIGINT NOT NULL DEFAULT 0",
        "repo_id, food",
      ),
      withoutRowid(
        "repo_days",
        "repo_id BIGINT NOT NULL, day TEXT NOT NULL, foods BIGINT NOT NULL DEFAULT 0",
        "repo_id, day",
      ),
      withoutRowid(
        "contributors",
        "repo_id BIGINT NOT NULL, login_key TEXT NOT NULL, login TEXT NOT NULL, xp BIGINT NOT NULL DEFAULT 0, " +
          "foods BIGINT NOT NULL DEFAULT 0, last_fed_at BIGINT, opted_out INTEGER NOT NULL DEFAULT 0",
        "repo_id, login_key",
        "CREATE INDEX contributors_board ON contributors (repo_id, opted_out, xp DESC, login_key);",
      ),
      withoutRowid(
        "contributor_days",
        "repo_id BIGINT NOT NULL, login_key TEXT NOT NULL, day TEXT NOT NULL, foods BIGINT NOT NULL DEFAULT 0",
        "repo_id, login_key, day",
      ),
      withoutRowid(
        "users",
        "login_key TEXT NOT NULL, login TEXT NOT NULL, xp BIGINT NOT NULL DEFAULT 0, foods BIGINT NOT NULL DEFAULT 0, last_fed_at BIGINT",
        "login_key",
      ),
      withoutRowid(
        "user_foods",
        "login_key TEXT NOT NULL, food TEXT NOT NULL, count BIGINT NOT NULL DEFAULT 0",
        "login_key, food",
      ),
      withoutRowid(
        "user_days",
        "login_key TEXT NOT NULL, day TEXT NOT NULL, foods BIGINT NOT NULL DEFAULT 0",
        "login_key, day",
      ),
    ].join("\n"),
  },
  {
    // A repo's last_fed_at as it was before the latest feeding set it. PostgreSQL stores a usual feeding
    // batch in one statement, whose upsert of the repo row can return only the row's new values; the
    // outcomes need the time Dash was fed before (how hungry it was). Set in that statement only.
    id: "core-009-repos-previous-fed-at",
    sql: "ALTER TABLE repos ADD COLUMN previous_fed_at BIGINT;",
  },
  {
    // A user's foods today on the user's row: the latest UTC day fed and its foods. Feedings stop
    // writing user_days (a row per user and day, of which reads only ever wanted today's); the rows
    // there stay, and a replica of the version before may still add to them during a rolling
    // upgrade, so a personal Dash's foods today are the row's plus today's user_days row.
    id: "core-010-users-day",
    sqlite: "ALTER TABLE users ADD COLUMN day TEXT;\nALTER TABLE users ADD COLUMN day_foods BIGINT NOT NULL DEFAULT 0;",
    postgres: 'ALTER TABLE users ADD COLUMN day TEXT COLLATE "C", ADD COLUMN day_foods BIGINT NOT NULL DEFAULT 0;',
  },
  {
    // A user's foods by kind on the user's row, as core-010 did for the day: feedings stop writing
    // user_foods, whose rows stay and are added on reading (a replica of a version before may still
    // write them during a rolling upgrade).
    id: "core-011-users-foods-by-kind",
    sql: [
      "ALTER TABLE users ADD COLUMN foods_curry BIGINT NOT NULL DEFAULT 0;",
      "ALTER TABLE users ADD COLUMN foods_ramen BIGINT NOT NULL DEFAULT 0;",
      "ALTER TABLE users ADD COLUMN foods_mapo_tofu BIGINT NOT NULL DEFAULT 0;",
      "ALTER TABLE users ADD COLUMN foods_feast BIGINT NOT NULL DEFAULT 0;",
      "ALTER TABLE users ADD COLUMN foods_tteokbokki BIGINT NOT NULL DEFAULT 0;",
    ].join("\n"),
  },
  {
    // SQLite: the delivery ids as an append-only log in arrival order, without an index on the id; the
    // App keeps the ids in memory (see KnownDeliveries). The batch column served PostgreSQL's
    // statements only. PostgreSQL keeps its table and index.
    id: "core-012-sqlite-delivery-log",
    postgres: "",
    sqlite: `
CREATE TABLE deliveries_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  repo_id BIGINT,
  received_at BIGINT NOT NULL
);
INSERT INTO deliveries_log (id, repo_id, received_at)
SELECT id, repo_id, received_at FROM deliveries ORDER BY received_at, id;
DROP TABLE deliveries;
ALTER TABLE deliveries_log RENAME TO deliveries;
`,
  },
];
