import type { Db } from "../src/store/db.js";

export interface SeedSpec {
  id: number;
  owner: string;
  name: string;
  contributors: number;
  feedings: number;
  /** Calendar day the counters are filed under (today, so "foods today" is read too). */
  day: string;
}

/** `WITH RECURSIVE` numbers 1…n: the one row generator SQLite and PostgreSQL both have built in. */
const numbers = (n: number) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})`;

/**
 * Writes a repo's whole history straight into the tables, in one transaction: `feedings` feeding-log
 * rows (one commit each, two per delivery) by `contributors` contributors, with every counter the
 * feeding path keeps (repo, contributors, personal Dashes, foods per kind and per day) consistent.
 */
export async function seedRepo(db: Db, s: SeedSpec): Promise<void> {
  const now = Date.now();
  const login = (expr: string) => `'${s.name}-dev-' || (${expr})`;
  const perContributor = Math.floor(s.feedings / s.contributors);
  const int = Number.isInteger;
  if (![s.id, s.contributors, s.feedings].every(int)) throw new Error("seed sizes must be integers");
  const script = [
    `INSERT INTO repos (id, owner, name, full_name_key, private, installation_id, installed, xp, foods, last_fed_at, badge_token, updated_at, contributor_count)
     VALUES (${s.id}, '${s.owner}', '${s.name}', '${`${s.owner}/${s.name}`.toLowerCase()}', 0, 1, 1,
             ${s.feedings * 10}, ${s.feedings}, ${now}, 'seed-token-${s.id}', ${now}, ${s.contributors})`,
    `${numbers(s.feedings)}
     INSERT INTO feedings (delivery_id, repo_id, login_key, food, count, source_key, fed_at)
     SELECT 'seed-${s.id}-' || (i / 2), ${s.id}, ${login(`i % ${s.contributors}`)}, 'curry', 1, 'commit:${s.id}-' || i, ${now} FROM n`,
    `INSERT INTO fed_sources (repo_id, source_key) SELECT repo_id, source_key FROM feedings WHERE repo_id = ${s.id}`,
    `INSERT INTO deliveries (id, repo_id, received_at)
     SELECT DISTINCT delivery_id, repo_id, ${now} FROM feedings WHERE repo_id = ${s.id}`,
    // Uneven XP, so the leaderboard has an order to find.
    `${numbers(s.contributors)}
     INSERT INTO contributors (repo_id, login_key, login, xp, foods, last_fed_at, opted_out)
     SELECT ${s.id}, ${login("i - 1")}, ${login("i - 1")}, ((i * 7919) % 997 + ${perContributor}) * 10,
            (i * 7919) % 997 + ${perContributor}, ${now}, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END FROM n`,
    `INSERT INTO contributor_days (repo_id, login_key, day, foods)
     SELECT repo_id, login_key, '${s.day}', 1 FROM contributors WHERE repo_id = ${s.id}`,
    `INSERT INTO users (login_key, login, xp, foods, last_fed_at)
     SELECT login_key, login, xp, foods, last_fed_at FROM contributors WHERE repo_id = ${s.id}`,
    `INSERT INTO repo_foods (repo_id, food, count) VALUES (${s.id}, 'curry', ${s.feedings})`,
    `INSERT INTO repo_days (repo_id, day, foods) VALUES (${s.id}, '${s.day}', 30)`,
  ];
  await db.transaction(async (tx) => {
    for (const sql of script) await tx.exec(sql);
  });
  // Fresh statistics, as autovacuum / the query planner would have them for an old table.
  await db.exec("ANALYZE");
}
