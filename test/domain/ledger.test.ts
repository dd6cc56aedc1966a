import { describe, expect, it } from "vitest";
import type { Feeding } from "../../src/domain/foods.js";
import { emptyLedger, feedLedger, type Ledger, parseLedger, tallyPr } from "../../src/domain/ledger.js";
import { openStore } from "../../src/store/open-store.js";

const at = new Date("2026-11-27T10:00:00Z");
const curry = (login: string, sha: string): Feeding => ({ login, food: "curry", count: 1, sourceKey: `commit:${sha}` });
const repo = { id: 1, owner: "o", name: "r", private: false, installationId: null };

/**
 * The same scenario through the JSON ledger (the Action) and the SQL store (the App) must give the
 * same numbers: the two are the one rule set in two storage shapes.
 */
describe("the JSON ledger follows the store's rules", () => {
  const steps: { id: string; feedings: Feeding[]; day: string }[] = [
    { id: "d1", feedings: [curry("alice", "a"), curry("bob", "b")], day: "2026-11-27" },
    { id: "d1", feedings: [curry("alice", "z")], day: "2026-11-27" },
    { id: "d2", feedings: [curry("alice", "a"), curry("Alice", "c")], day: "2026-11-27" },
    {
      id: "d3",
      feedings: Array.from({ length: 40 }, (_, i) => curry("bob", `bulk${i}`)),
      day: "2026-11-27",
    },
    { id: "d4", feedings: [curry("bob", "next")], day: "2026-11-28" },
    { id: "d5", feedings: [{ login: "carol", food: "feast", count: 5, sourceKey: "pr-merged:9" }], day: "2026-11-28" },
  ];

  it("gives the same XP, foods and contributors as SQLite", async () => {
    const store = await openStore("sqlite::memory:");
    let ledger: Ledger = emptyLedger();
    for (const step of steps) {
      const input = { deliveryId: step.id, feedings: step.feedings, at, day: step.day, dailyCap: 30 };
      const fromLedger = feedLedger(ledger, input);
      const fromStore = await store.feed({ ...input, repo, utcDay: step.day });
      ledger = fromLedger.ledger;
      expect(fromLedger.duplicateDelivery).toBe(fromStore.duplicateDelivery);
      expect(fromLedger.applied).toEqual(fromStore.applied);
      expect(fromLedger.repo).toEqual(fromStore.repo);
    }
    const dash = await store.getRepoDash("o", "r", { day: "2026-11-28", top: 10 });
    expect(ledger.xp).toBe(dash?.xp);
    expect(ledger.foods).toBe(dash?.foods);
    expect(ledger.foodsByKind).toEqual(dash?.foodsByKind);
    expect(ledger.days["2026-11-28"]).toBe(dash?.foodsToday);
    const board = Object.values(ledger.contributors)
      .map((c) => ({ login: c.login, xp: c.xp, foods: c.foods }))
      .sort((a, b) => b.xp - a.xp);
    expect(board).toEqual(dash?.contributors);
    // bob had 1 food that day before the bulk push, so the cap of 30 grants 29 of its 40.
    expect(ledger.xp).toBe(10 * (2 + 1 + 29 + 1 + 5));
    await store.close();
  });

  it("is pure: the input ledger is not changed", () => {
    const before = emptyLedger();
    const copy = structuredClone(before);
    feedLedger(before, { deliveryId: "x", feedings: [curry("a", "1")], at, day: "2026-11-27", dailyCap: 30 });
    expect(before).toEqual(copy);
  });

  it("tallies what a pull request fed", () => {
    const { ledger, applied } = feedLedger(emptyLedger(), {
      deliveryId: "x",
      feedings: [{ login: "alice", food: "mapo_tofu", count: 2, sourceKey: "pr-opened:1" }],
      at,
      day: "2026-11-27",
      dailyCap: 30,
    });
    const tallied = tallyPr(ledger, 7, applied, 1);
    expect(tallied.prs["7"]).toEqual({ fed: { mapo_tofu: 2 }, contributors: { alice: 20 }, levelAtStart: 1, seq: 1 });
  });

  it("keeps the 200 pull requests fed most recently, whatever their numbers", () => {
    const applied = [{ login: "alice", food: "curry" as const, count: 1, sourceKey: "s" }];
    let ledger = emptyLedger();
    for (let pr = 1; pr <= 200; pr++) ledger = tallyPr(ledger, pr, applied, 1);
    // A long-lived PR with a low number feeds again, then a new one arrives: the one dropped is the
    // PR that fed least recently (#2), not the lowest number (#1).
    ledger = tallyPr(ledger, 1, applied, 1);
    ledger = tallyPr(ledger, 201, applied, 1);
    expect(Object.keys(ledger.prs)).toHaveLength(200);
    expect(ledger.prs["1"]?.fed).toEqual({ curry: 2 });
    expect(ledger.prs["2"]).toBeUndefined();
    expect(ledger.prs["201"]).toBeDefined();
    // A ledger written before `seq` was kept: its PRs count as least recent, lowest numbers first.
    const old = { ...emptyLedger(), prs: { "5": { fed: {}, contributors: {}, levelAtStart: 1 } } };
    expect(tallyPr(old, 9, applied, 1).prs["9"]?.seq).toBe(1);
  });

  it("parses its own JSON and refuses anything else", () => {
    const text = JSON.stringify(emptyLedger());
    expect(parseLedger(text)).toEqual(emptyLedger());
    expect(() => parseLedger('{"xp": 5}')).toThrow(/not a Dash ledger/);
    expect(() => parseLedger("null")).toThrow(/not a Dash ledger/);
  });

  it("refuses a version 1 file whose lists or XP are not what feeding needs", () => {
    expect(() => parseLedger('{"version": 1, "sources": "commit:a"}')).toThrow(/`sources` and `deliveries` lists/);
    expect(() => parseLedger('{"version": 1, "deliveries": {}}')).toThrow(/`sources` and `deliveries` lists/);
    expect(() => parseLedger('{"version": 1, "xp": "10"}')).toThrow(/`xp` must be a number/);
  });
});
