import { besideDb } from "./db.js";
import { byContributor, dayRowKey } from "./feed-batch.js";
import type { FeedInput } from "./store.js";

/** How many full days a process remembers; the ones noted longest ago are forgotten first. */
const MAX_FULL_DAYS = 10_000;

/**
 * The contributors' days this process has seen reach their daily cap. A batch in which such a
 * contributor pushes again can then be stored without reading (grantsWithoutReads grants them
 * nothing), where it would otherwise ask for foods the day has no room for, fail the database's cap
 * check and be stored a second time, the careful way. A prolific contributor's pushes after the
 * cap took that double path for the rest of the day, and so did every batch they were part of.
 *
 * Safe across replicas and restarts because a day's foods never go down: no statement lowers or
 * deletes a contributor's day row, so a count once committed stays a floor, whoever writes next.
 * Only committed counts are noted (see storeBatch), never those of a transaction that may still
 * roll back. The cap is not part of the key: a day full at 30 foods is full under any cap up to 30,
 * and under a raised cap it is not full any more.
 */
export class FullDays {
  /** Foods of a full day by dayRowKey, in the order noted. */
  readonly #foods = new Map<string, number>();

  /** Whether the day is known to hold at least `cap` foods. */
  isFull(key: string, cap: number): boolean {
    const foods = this.#foods.get(key);
    return foods !== undefined && foods >= cap;
  }

  /** Notes the committed foods of each day of `inputs` in `dayFoods` that reached its cap. */
  noteCommitted(inputs: readonly FeedInput[], dayFoods: ReadonlyMap<string, number>): void {
    for (const input of inputs) {
      for (const [loginKey] of byContributor(input)) {
        const key = dayRowKey(input.repo.id, loginKey, input.day);
        const foods = dayFoods.get(key);
        if (foods === undefined || foods < input.dailyCap || (this.#foods.get(key) ?? -1) >= foods) continue;
        this.#foods.delete(key);
        this.#foods.set(key, foods);
        if (this.#foods.size > MAX_FULL_DAYS) this.#foods.delete(this.#foods.keys().next().value as string);
      }
    }
  }

  get size(): number {
    return this.#foods.size;
  }
}

/** The full days of one database, as this process has seen them. */
export const fullDaysOf = besideDb(() => new FullDays());
