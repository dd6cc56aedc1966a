import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetStore } from "../../src/store/budget-store.js";
import type { Db } from "../../src/store/db.js";
import {
  Budget,
  geminiCostMicros,
  LAMBDA_PRICES,
  lambdaCostMicros,
  lambdaPricesFor,
  usdToMicros,
} from "../../src/voice/budget.js";
import { createTestDatabase, STORE_KINDS, storeAvailable } from "../helpers/stores.js";

describe("cost estimates", () => {
  it("prices a Lambda invocation from memory, duration and the price table", () => {
    // 2 GB for 1.5 s in Tokyo: 3 GB-s × 0.0000166667 + 0.0000002 = 0.0000502001 USD → 51 µ$ (rounded up).
    expect(lambdaCostMicros(2048, 1500, "ap-northeast-1")).toBe(51);
    // 3008 MB for 1 s: 2.9375 GB-s → 48.96 µ$ + 0.2 µ$ → 50 µ$.
    expect(lambdaCostMicros(3008, 1000, "us-east-1")).toBe(50);
    // Even a zero-length call costs the request price, rounded up to one micro-dollar.
    expect(lambdaCostMicros(2048, 0, "ap-northeast-1")).toBe(1);
  });

  it("converts USD to whole micro-dollars", () => {
    expect(usdToMicros(0.5)).toBe(500_000);
    expect(usdToMicros(0.000_000_4)).toBe(0);
    expect(usdToMicros(1.000_000_6)).toBe(1_000_000); // rounded down
  });

  it("prices an unknown region like the dearest known one", () => {
    expect(lambdaPricesFor("eu-west-9").onDemandGbSecond).toBe(LAMBDA_PRICES["ap-northeast-1"]?.onDemandGbSecond);
    expect(lambdaPricesFor("eu-west-9").provisionedKeptWarmGbSecond).toBe(0.0000053835);
  });

  it("prices a Gemini call from its token counts, unknown models dearly", () => {
    // flash-lite: 0.10 USD / 1M input, 0.40 USD / 1M output.
    expect(geminiCostMicros("gemini-2.5-flash-lite", 300, 40)).toBe(46);
    expect(geminiCostMicros("models/gemini-2.5-flash-lite", 300, 40)).toBe(46);
    expect(geminiCostMicros("gemini-9-ultra", 300, 40)).toBe(1350);
    // A longer name is not priced as the shorter one it starts with: 3.5 Flash-Lite is $0.30 / $2.50,
    // 3.5 Flash $1.50 / $9.00.
    expect(geminiCostMicros("gemini-3.5-flash-lite", 300, 40)).toBe(190);
    expect(geminiCostMicros("gemini-3.5-flash", 300, 40)).toBe(810);
    expect(geminiCostMicros("gemini-3.1-pro-preview", 300, 40)).toBe(1080);
  });
});

/** The budget suite, run on each real database (PostgreSQL skipped with the printed reason when absent). */
for (const kind of STORE_KINDS) {
  describe.skipIf(!storeAvailable(kind))(`budget on ${kind}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const database = await createTestDatabase(kind);
      db = (await database.openStore()).db;
      drop = database.drop;
    });
    afterAll(async () => drop());

    const budgetAt = (now: () => Date, voiceUsd: number, voiceInstallationUsd = voiceUsd) =>
      new Budget({
        store: new BudgetStore(db),
        limits: { voiceUsd, voiceInstallationUsd, geminiUsd: 1, geminiInstallationUsd: 1 },
        now,
      });

    it("lets exactly 10 of 200 simultaneous reservations through when the budget holds 10", async () => {
      const now = () => new Date("2026-03-01T10:00:00Z");
      const cost = 333;
      const budget = budgetAt(now, (10 * cost) / 1_000_000, 1);
      const results = await Promise.all(Array.from({ length: 200 }, () => budget.reserve("voice", 7, cost)));
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      const report = await budget.today();
      expect(report.voice.reservedUsd).toBeCloseTo((10 * cost) / 1_000_000, 9);
      expect(report.voice.remainingUsd).toBe(0);
    });

    it("enforces the installation ceiling and rolls back the global reservation it refused", async () => {
      const now = () => new Date("2026-03-02T10:00:00Z");
      const budget = budgetAt(now, 1, 0.001);
      const results = await Promise.all(Array.from({ length: 50 }, () => budget.reserve("voice", 42, 300)));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      const refused = results.find((r) => !r.ok);
      expect(refused).toEqual({ ok: false, subject: "installation:42" });
      // The 47 refusals left nothing behind in the global line.
      expect((await budget.today()).voice.reservedUsd).toBeCloseTo(900 / 1_000_000, 9);
      // Another installation still has its own allowance.
      expect((await budget.reserve("voice", 43, 300)).ok).toBe(true);
    });

    it("refuses everything with a zero budget", async () => {
      const budget = budgetAt(() => new Date("2026-03-03T10:00:00Z"), 0);
      expect(await budget.reserve("voice", 1, 1)).toEqual({ ok: false, subject: "global" });
      expect((await budget.today()).voice).toEqual({
        limitUsd: 0,
        spentUsd: 0,
        reservedUsd: 0,
        remainingUsd: 0,
        uses: 0,
      });
    });

    it("settles with the measured cost, frees the rest, and starts again the next UTC day", async () => {
      let now = new Date("2026-03-04T23:59:00Z");
      const budget = budgetAt(() => now, 0.001);
      const first = await budget.reserve("voice", 5, 600);
      if (!first.ok) throw new Error("first reservation refused");
      expect((await budget.reserve("voice", 5, 600)).ok).toBe(false);
      now = new Date("2026-03-05T00:00:30Z");
      // Settled after midnight: it still counts on the day it was reserved.
      await budget.settle(first.reservation, 120);
      const yesterday = await new BudgetStore(db).usage("voice", "2026-03-04", "global");
      expect(yesterday).toEqual({ reservedMicros: 0, spentMicros: 120, uses: 1 });
      const today = await budget.today();
      expect(today.day).toBe("2026-03-05");
      expect(today.voice.spentUsd).toBe(0);
      expect((await budget.reserve("voice", 5, 600)).ok).toBe(true);
    });

    it("books a call that never ran as no use", async () => {
      const budget = budgetAt(() => new Date("2026-03-06T08:00:00Z"), 1);
      const r = await budget.reserve("gemini", null, 500);
      if (!r.ok) throw new Error("refused");
      await budget.settle(r.reservation, 0, false);
      expect((await budget.today()).gemini).toMatchObject({ spentUsd: 0, reservedUsd: 0, uses: 0 });
    });
  });
}
