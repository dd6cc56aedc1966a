import type { Feeding } from "../../src/domain/foods.js";
import type { FeedInput, RepoRef } from "../../src/store/store.js";

/** `count` curries from `login` for one source (a commit, a review …). */
export const curry = (login: string, sourceKey: string, count = 1): Feeding => ({
  login,
  food: "curry",
  count,
  sourceKey,
});

/**
 * A maker of feeding inputs for `repo` at `at` (UTC days, the default daily cap of 30), each with a
 * new delivery id starting with `prefix`; `over` replaces any field.
 */
export function inputMaker(repo: RepoRef, at: Date, prefix: string) {
  let n = 0;
  const day = at.toISOString().slice(0, 10);
  return (feedings: Feeding[], over: Partial<FeedInput> = {}): FeedInput => ({
    deliveryId: `${prefix}${++n}`,
    repo,
    feedings,
    at,
    day,
    utcDay: day,
    dailyCap: 30,
    ...over,
  });
}
