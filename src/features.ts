import { commentsFeature } from "./comments/feature.js";
import type { Feature, FeatureContext } from "./feature.js";
import { metricsFeature } from "./metrics/feature.js";
import { cardsFeature } from "./render/feature.js";
import { voiceFeature } from "./voice/feature.js";

/** The feature areas the App runs with by default, in order. */
export const defaultFeatures: ((ctx: FeatureContext) => Feature | Promise<Feature>)[] = [
  metricsFeature,
  commentsFeature,
  cardsFeature,
  voiceFeature,
];
