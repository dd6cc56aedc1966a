/** The foods Dash eats; each event family has its own dish (the hackathon theme was "HOT"). */
export const FOOD_KINDS = ["curry", "ramen", "mapo_tofu", "feast", "tteokbokki"] as const;
export type FoodKind = (typeof FOOD_KINDS)[number];

/** Every food is worth the same XP, to the repo's Dash and to the contributor's own Dash. */
export const XP_PER_FOOD = 10;

/** Human names, used by renderers and comments. */
export const FOOD_LABELS: Record<"en" | "ja", Record<FoodKind, string>> = {
  en: {
    curry: "curry",
    ramen: "ramen",
    mapo_tofu: "mapo tofu",
    feast: "feast",
    tteokbokki: "tteokbokki",
  },
  ja: {
    curry: "カレー",
    ramen: "ラーメン",
    mapo_tofu: "麻婆豆腐",
    feast: "ごちそう",
    tteokbokki: "トッポッキ",
  },
};

/**
 * One credit for one contributor. `sourceKey` names the thing that earned it (a commit SHA, an issue,
 * a merge, a review) so the store can refuse to feed the same thing twice, whatever delivery carries it.
 */
export interface Feeding {
  login: string;
  food: FoodKind;
  count: number;
  sourceKey: string;
}

/** Food counts per event, as in the default rules of `.github/dash.yml`. */
export interface FoodRules {
  push: number;
  issueOpened: number;
  pullRequestOpened: number;
  pullRequestMerged: number;
  review: number;
}

export const DEFAULT_FOOD_RULES: FoodRules = {
  push: 1,
  issueOpened: 1,
  pullRequestOpened: 2,
  pullRequestMerged: 5,
  review: 1,
};

/** Sums feedings into counts per food kind (for comments: "3 × curry"). */
export function countByFood(feedings: readonly Pick<Feeding, "food" | "count">[]): Partial<Record<FoodKind, number>> {
  const out: Partial<Record<FoodKind, number>> = {};
  for (const f of feedings) out[f.food] = (out[f.food] ?? 0) + f.count;
  return out;
}
