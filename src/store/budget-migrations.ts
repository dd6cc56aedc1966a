import type { Migration } from "./db.js";

/**
 * Tables of the voice feature area. Money is integer micro-dollars (1 USD = 1,000,000) and times are
 * epoch milliseconds, so the same SQL serves SQLite and PostgreSQL and sums never drift.
 */
export const budgetMigrations: Migration[] = [
  {
    id: "budget-001-days",
    sql: `
CREATE TABLE budget_days (
  area TEXT NOT NULL,
  subject TEXT NOT NULL,
  day TEXT NOT NULL,
  reserved_micros BIGINT NOT NULL DEFAULT 0,
  spent_micros BIGINT NOT NULL DEFAULT 0,
  uses BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (area, subject, day)
);
`,
  },
  {
    // When each repo's Dash last ate, kept by the reaction listener: the store's own "last fed" is already
    // overwritten by the meal a reaction talks about, and the reaction wants the mood *before* it.
    id: "budget-002-voice-last-meals",
    sql: `
CREATE TABLE voice_last_meals (
  repo_id BIGINT PRIMARY KEY,
  fed_at BIGINT NOT NULL
);
`,
  },
];
