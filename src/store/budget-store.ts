import type { Db } from "./db.js";

/** What a budget is spent on; each has its own daily ceilings. */
export type BudgetArea = "voice" | "gemini";

/** One ceiling to respect: `global`, or `installation:<id>`, with its limit for the day. */
export interface BudgetLine {
  subject: string;
  limitMicros: number;
}

/** Money set aside before a call; settled with the measured cost afterwards. */
export interface Reservation {
  area: BudgetArea;
  day: string;
  micros: number;
  subjects: string[];
}

export interface BudgetUsage {
  reservedMicros: number;
  spentMicros: number;
  uses: number;
}

/** Thrown inside the reservation transaction to roll back the lines already reserved. */
class OverBudget extends Error {
  constructor(readonly subject: string) {
    super(`over budget: ${subject}`);
  }
}

/** The answer to a reservation: the reservation, or which ceiling refused it. */
export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; subject: string };

// A conditional upsert: the row is created or grown only while reserved + spent + amount stays within
// the limit, and the database checks that on the row it locked, so concurrent callers cannot overshoot.
// The SELECT … WHERE also refuses a first reservation larger than the limit (a zero budget).
const RESERVE = `
INSERT INTO budget_days (area, subject, day, reserved_micros, spent_micros, uses, updated_at)
SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS BIGINT), 0, 0, CAST($6 AS BIGINT)
WHERE CAST($4 AS BIGINT) <= CAST($5 AS BIGINT)
ON CONFLICT (area, subject, day) DO UPDATE
SET reserved_micros = budget_days.reserved_micros + excluded.reserved_micros, updated_at = excluded.updated_at
WHERE budget_days.reserved_micros + budget_days.spent_micros + excluded.reserved_micros <= CAST($5 AS BIGINT)
RETURNING reserved_micros`;

const SETTLE = `
UPDATE budget_days
SET reserved_micros = reserved_micros - CAST($4 AS BIGINT),
    spent_micros = spent_micros + CAST($5 AS BIGINT),
    uses = uses + CAST($6 AS BIGINT),
    updated_at = CAST($7 AS BIGINT)
WHERE area = $1 AND subject = $2 AND day = $3`;

const USAGE = `
SELECT reserved_micros, spent_micros, uses FROM budget_days WHERE area = $1 AND subject = $2 AND day = $3`;

/** Daily spend counters per area and subject, with atomic reservations (SQL shared by SQLite and PostgreSQL). */
export class BudgetStore {
  constructor(private readonly db: Db) {}

  /**
   * Reserves `micros` against every line at once, or against none: the lines are taken in the order
   * given (always global first, so two callers never lock in opposite orders).
   */
  async reserve(area: BudgetArea, day: string, micros: number, lines: readonly BudgetLine[], at: number) {
    const amount = Math.max(1, Math.ceil(micros));
    try {
      await this.db.transaction(async (tx) => {
        for (const line of lines) {
          const rows = await tx.query(RESERVE, [area, line.subject, day, amount, Math.floor(line.limitMicros), at]);
          if (rows.length === 0) throw new OverBudget(line.subject);
        }
      });
    } catch (err) {
      if (err instanceof OverBudget) return { ok: false, subject: err.subject } satisfies ReserveResult;
      throw err;
    }
    const reservation: Reservation = { area, day, micros: amount, subjects: lines.map((l) => l.subject) };
    return { ok: true, reservation } satisfies ReserveResult;
  }

  /**
   * Replaces a reservation by what the call really cost (which may be more or less). `used` is false
   * when the call never happened, so it does not count as a use.
   */
  async settle(reservation: Reservation, actualMicros: number, used: boolean, at: number): Promise<void> {
    const actual = Math.max(0, Math.ceil(actualMicros));
    await this.db.transaction(async (tx) => {
      for (const subject of reservation.subjects) {
        await tx.query(SETTLE, [
          reservation.area,
          subject,
          reservation.day,
          reservation.micros,
          actual,
          used ? 1 : 0,
          at,
        ]);
      }
    });
  }

  /** Today's counters for one subject (zeros when nothing was spent). */
  async usage(area: BudgetArea, day: string, subject: string): Promise<BudgetUsage> {
    const rows = await this.db.query<{ reserved_micros: number; spent_micros: number; uses: number }>(USAGE, [
      area,
      subject,
      day,
    ]);
    const row = rows[0];
    return {
      reservedMicros: Number(row?.reserved_micros ?? 0),
      spentMicros: Number(row?.spent_micros ?? 0),
      uses: Number(row?.uses ?? 0),
    };
  }
}
