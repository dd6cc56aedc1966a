import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The App's Prometheus metrics, served at `/metrics`. Metrics are process-wide (as Prometheus counts
 * them per scraped process); tests that read them compare before and after, never absolute values.
 *
 * Feature areas record into the exported metrics directly:
 * - cards: `renderSeconds.observe({ format }, seconds)` per render and `cardCacheLookups.inc({ result })`
 *   per badge request ("hit" when a cached card was served, "miss" when it was rendered);
 * - voice: `aiSpendUsd.inc({ service }, usd)` for each reaction text or voice clip paid for.
 */
export const registry = new Registry();
registry.setDefaultLabels({ app: "repositori" });
// CPU, resident memory (peak memory shows as the max over time), heap, event-loop lag, handles.
collectDefaultMetrics({ register: registry, prefix: "repositori_" });

/** Webhook deliveries by event and outcome: `accepted` (2xx), `rejected` (4xx), `failed` (5xx). */
export const webhookDeliveries = new Counter({
  name: "repositori_webhook_deliveries_total",
  help: "Webhook deliveries answered, by event and outcome (accepted 2xx, rejected 4xx, failed 5xx, aborted).",
  labelNames: ["event", "outcome"] as const,
  registers: [registry],
});

export const webhookSeconds = new Histogram({
  name: "repositori_webhook_duration_seconds",
  help: "Time to answer a webhook delivery.",
  labelNames: ["event"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Deliveries that reached the store, by trigger and result (`fed`, `duplicate` redelivery, `nothing_new`). */
export const feedings = new Counter({
  name: "repositori_feedings_total",
  help: "Feeding attempts that reached the store, by trigger and result (fed, duplicate, nothing_new).",
  labelNames: ["trigger", "result"] as const,
  registers: [registry],
});

/** Deliveries stored together in one transaction (see store/batch-queue.ts), and how long each batch took. */
export const feedBatchSize = new Histogram({
  name: "repositori_feed_batch_size",
  help: "Deliveries stored together in one feeding transaction.",
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers: [registry],
});

export const feedBatchSeconds = new Histogram({
  name: "repositori_feed_batch_seconds",
  help: "Time to store one batch of feedings, from its start to its commit.",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  registers: [registry],
});

export const foodsFed = new Counter({
  name: "repositori_foods_total",
  help: "Foods fed to repo Dashes, by food.",
  labelNames: ["food"] as const,
  registers: [registry],
});

export const githubApiCalls = new Counter({
  name: "repositori_github_api_calls_total",
  help: "Requests made to the GitHub API, by route and HTTP status.",
  labelNames: ["route", "status"] as const,
  registers: [registry],
});

/** Hook for cards: one observation per render. */
export const renderSeconds = new Histogram({
  name: "repositori_card_render_seconds",
  help: "Time to render a card, by format.",
  labelNames: ["format"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

/** Hook for cards: one increment per card request. */
export const cardCacheLookups = new Counter({
  name: "repositori_card_cache_lookups_total",
  help: "Card requests by cache result (hit, miss).",
  labelNames: ["result"] as const,
  registers: [registry],
});

/** Hook for voice: money spent on reaction text and voice, in US dollars. */
export const aiSpendUsd = new Counter({
  name: "repositori_voice_spend_usd_total",
  help: "Estimated spend on reaction text and voice synthesis, in US dollars, by service.",
  labelNames: ["service"] as const,
  registers: [registry],
});

/** How many delivery ids a SQLite store holds in memory, read at each scrape (null: none, PostgreSQL). */
let idsInMemory: (() => number) | null = null;

/** Makes `/metrics` report `count()` as the delivery ids held in memory (see store/known-deliveries.ts). */
export function reportDeliveryIdsInMemory(count: (() => number) | null): void {
  idsInMemory = count;
}

new Gauge({
  name: "repositori_delivery_ids_in_memory",
  help: "Delivery ids a SQLite store keeps in memory to recognise redeliveries (about 90 bytes each; DELIVERY_RETENTION_DAYS bounds them).",
  registers: [registry],
  collect() {
    if (idsInMemory) this.set(idsInMemory());
  },
});
