import type { Migration } from "./db.js";
import { bytewiseKeys } from "./migrations.js";

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
  bytewiseKeys("budget-002-bytewise-keys", { budget_days: ["area", "subject", "day"] }),
];
