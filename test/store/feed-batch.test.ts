import { describe, expect, it } from "vitest";
import {
  batchOutcomes,
  batchTotals,
  dayRowKey,
  freshInputs,
  grantFoods,
  sourceKey,
} from "../../src/store/feed-batch.js";
import type { FeedInput, RepoRef } from "../../src/store/store.js";
import { curry, inputMaker } from "../helpers/feed-inputs.js";

const AT = new Date("2026-11-28T09:00:00Z");
const repo: RepoRef = { id: 7, owner: "o", name: "r", private: false, installationId: 1 };
const food = curry;
const input = inputMaker(repo, AT, "d");
const allNew = (inputs: FeedInput[]) =>
  new Set(inputs.flatMap((i) => i.feedings.map((f) => sourceKey(i.repo.id, f.sourceKey))));

describe("feeding a batch (the arithmetic)", () => {
  it("takes only the first copy of a delivery, and only one the database had not seen", () => {
    const a = input([]);
    const b = input([]);
    expect(freshInputs([a, { ...a }, b], new Set([a.deliveryId]))).toEqual([true, false, false]);
  });

  it("feeds a source once in a batch, and counts the daily cap across the batch in order", () => {
    const inputs = [
      input([food("Ann", "s1"), food("ann", "s2")], { dailyCap: 3 }),
      input([food("ann", "s2"), food("ann", "s3", 2)], { dailyCap: 3 }),
      input([food("ann", "s4")], { dailyCap: 3 }),
    ];
    const dayFoods = new Map<string, number>();
    const grants = grantFoods(inputs, [true, true, true], allNew(inputs), dayFoods);
    expect(grants.map((g) => g.map((x) => x.granted.map((f) => `${f.sourceKey}×${f.count}`)))).toEqual([
      [["s1×1", "s2×1"]],
      [["s3×1"]],
      [],
    ]);
    // The login is keyed case-insensitively; its first spelling in each delivery is kept for display.
    expect(grants[0]?.[0]?.loginKey).toBe("ann");
    expect(grants[0]?.[0]?.login).toBe("Ann");
    expect(dayFoods.get(dayRowKey(repo.id, "ann", "2026-11-28"))).toBe(3);
  });

  it("starts from what the day already holds, and skips sources the database had seen", () => {
    const inputs = [input([food("bo", "old"), food("bo", "new1"), food("bo", "new2")], { dailyCap: 2 })];
    const dayFoods = new Map([[dayRowKey(repo.id, "bo", "2026-11-28"), 1]]);
    const grants = grantFoods(
      inputs,
      [true],
      new Set([sourceKey(repo.id, "new1"), sourceKey(repo.id, "new2")]),
      dayFoods,
    );
    expect(grants[0]?.[0]?.granted.map((f) => f.sourceKey)).toEqual(["new1"]);
  });

  it("gives each delivery the running totals at its place in the batch", () => {
    const inputs = [input([food("ann", "s1")]), input([food("ann", "s2"), food("bo", "s3")]), input([])];
    const fresh = [true, true, true];
    const grants = grantFoods(inputs, fresh, allNew(inputs), new Map());
    const totals = batchTotals(inputs, grants);
    expect(totals.repos.get(repo.id)?.foods).toBe(3);
    expect(totals.users.get("ann")?.foods).toBe(2);
    const outcomes = batchOutcomes(inputs, fresh, grants, totals, {
      repoBefore: new Map([[repo.id, { xp: 100, lastFedAt: 5 }]]),
      // After the batch: ann had 40 XP before it and gained 20.
      userXpAfter: new Map([
        ["ann", 60],
        ["bo", 10],
      ]),
    });
    expect(outcomes.map((o) => o.repo)).toEqual([
      { xpBefore: 100, xpAfter: 110, lastFedAtBefore: new Date(5) },
      { xpBefore: 110, xpAfter: 130, lastFedAtBefore: AT },
      { xpBefore: 130, xpAfter: 130, lastFedAtBefore: AT },
    ]);
    expect(outcomes[1]?.users).toEqual([
      { login: "ann", xpBefore: 50, xpAfter: 60 },
      { login: "bo", xpBefore: 0, xpAfter: 10 },
    ]);
  });
});
