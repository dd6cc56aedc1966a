import { Gauge } from "prom-client";
import { aiSpendUsd, registry } from "../metrics/registry.js";
import type { BudgetReport } from "./budget.js";

let source: (() => Promise<BudgetReport>) | null = null;

// Read from the store at scrape time, so every replica reports the same shared day's numbers.
new Gauge({
  name: "repositori_budget_usd",
  help: "Today's (UTC) global budget for voice and Gemini, by area and kind (limit, spent, reserved, remaining).",
  labelNames: ["area", "kind"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!source) return;
    let timer: NodeJS.Timeout | undefined;
    const report = await Promise.race([
      source(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), 1000);
      }),
    ])
      // The database being down must not take /metrics down with it: the budget lines are left out.
      .catch(() => null)
      .finally(() => clearTimeout(timer));
    if (!report) return;
    for (const area of ["voice", "gemini"] as const) {
      const r = report[area];
      this.set({ area, kind: "limit" }, r.limitUsd);
      this.set({ area, kind: "spent" }, r.spentUsd);
      this.set({ area, kind: "reserved" }, r.reservedUsd);
      this.set({ area, kind: "remaining" }, r.remainingUsd);
    }
  },
});

/** Makes `/metrics` report this budget (the latest voice feature started wins); returns the undo. */
export function reportBudget(today: () => Promise<BudgetReport>): () => void {
  source = today;
  return () => {
    if (source === today) source = null;
  };
}

/** Counts money spent, in USD, by service (`gemini`, `voice`). */
export function countSpend(service: "gemini" | "voice", usd: number): void {
  if (usd > 0) aiSpendUsd.inc({ service }, usd);
}
