import { describe, expect, it } from "vitest";
import { registry } from "../../src/metrics/registry.js";
import { reportBudget } from "../../src/voice/budget-metrics.js";

const report = {
  day: "2026-03-10",
  voice: { limitUsd: 0.5, spentUsd: 0.25, reservedUsd: 0.001, remainingUsd: 0.249, uses: 3 },
  gemini: { limitUsd: 0.1, spentUsd: 0, reservedUsd: 0, remainingUsd: 0.1, uses: 0 },
};

describe("budget in /metrics", () => {
  it("reports today's limit, spend, reservations and what remains", async () => {
    const stop = reportBudget(async () => report);
    const text = await registry.metrics();
    stop();
    expect(text).toContain('repositori_budget_usd{area="voice",kind="spent",app="repositori"} 0.25');
    expect(text).toContain('repositori_budget_usd{area="voice",kind="remaining",app="repositori"} 0.249');
    expect(text).toContain('repositori_budget_usd{area="gemini",kind="limit",app="repositori"} 0.1');
  });

  it("leaves the budget out, and still answers, when the database fails", async () => {
    const stop = reportBudget(async () => {
      throw new Error("database unreachable");
    });
    const text = await registry.metrics();
    stop();
    expect(text).not.toMatch(/repositori_budget_usd\{/);
    expect(text).toContain("repositori_webhook_deliveries_total");
  });

  it("stops reporting a budget once its feature is closed", async () => {
    const stop = reportBudget(async () => report);
    stop();
    expect(await registry.metrics()).not.toMatch(/repositori_budget_usd\{/);
  });
});
