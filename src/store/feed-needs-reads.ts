/** The batch cannot be stored without reading first (see storeBatch); nothing of it was stored. */
export class BatchNeedsReads extends Error {
  override name = "BatchNeedsReads";
}

/**
 * Whether the database refused a batch stored without reading for one of that way's assumptions,
 * rather than for another reason: a delivery or a source stored before (a duplicate key), a day
 * over its cap (a NULL the column refuses), or, in the single statement (feedBatchInOneStatement), a
 * repo's name still held by the row of a repo renamed since, or a deadlock with a batch stored the
 * careful way. PostgreSQL names the constraint or table, SQLite only says so in its message.
 */
export function needsReads(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; table?: unknown; message?: unknown };
  const message = String(e.message ?? "");
  switch (e.code) {
    case "23505":
      return ["deliveries_pkey", "fed_sources_pkey", "repos_full_name_key_key"].includes(String(e.constraint));
    case "23502":
      return e.table === "contributor_days";
    case "40P01":
    case "40001":
      return true;
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
      return /constraint failed: (deliveries\.id|fed_sources\.repo_id, fed_sources\.source_key)$/.test(message);
    case "SQLITE_CONSTRAINT_NOTNULL":
      return message.endsWith("constraint failed: contributor_days.foods");
    default:
      return false;
  }
}
