import type { Feature, FeatureContext } from "../feature.js";
import type { FedEvent } from "../github/feed-event.js";
import { knownDeliveriesOf } from "../store/known-deliveries.js";
import { metricsRoute } from "./metrics-route.js";
import {
  feedBatchSeconds,
  feedBatchSize,
  feedings,
  foodsFed,
  registry,
  reportDeliveryIdsInMemory,
} from "./registry.js";

/** Counts what each feeding did (fed, a redelivery, nothing new) and the foods it gave. */
export async function countFeeding(event: FedEvent): Promise<void> {
  const { outcome, trigger } = event;
  const result = outcome.duplicateDelivery ? "duplicate" : outcome.applied.length > 0 ? "fed" : "nothing_new";
  feedings.inc({ trigger, result });
  for (const f of outcome.applied) foodsFed.inc({ food: f.food }, f.count);
}

/**
 * Prometheus metrics: `/metrics` (unless METRICS_ENABLED=false), the feeding counters and the sizes
 * of the batches feedings are stored in. Delivery
 * and GitHub API counts are recorded where requests pass (see count-deliveries.ts, count-github-calls.ts).
 */
export function metricsFeature(ctx: FeatureContext): Feature {
  const known = knownDeliveriesOf(ctx.db);
  reportDeliveryIdsInMemory(known ? () => known.size : null);
  ctx.store.onFeedBatch?.((size, seconds) => {
    feedBatchSize.observe(size);
    feedBatchSeconds.observe(seconds);
  });
  return {
    name: "metrics",
    routes: ctx.env.METRICS_ENABLED ? [metricsRoute(registry, { token: ctx.env.METRICS_TOKEN })] : [],
    onFed: [countFeeding],
  };
}
