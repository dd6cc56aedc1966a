import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricsFeature } from "../../src/metrics/feature.js";
import {
  deliveryHeaders,
  type Harness,
  mockInstallationToken,
  mockNoConfig,
  startApp,
} from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { http } from "../helpers/http.js";

/** Reads one sample from Prometheus text: the value of `name{labels…}` (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf("}"));
    const found = Object.fromEntries(
      [...inner.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

const sumOf = (text: string, name: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);

let app: Harness;
beforeEach(async () => {
  app = await startApp({ features: [metricsFeature] });
});
afterEach(async () => {
  await app.close();
});

describe("/metrics", () => {
  it("counts a delivery sent to the webhook path with a trailing slash and a query, which it handles", async () => {
    const before = (await app.get("/metrics")).text();
    const payload = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const body = JSON.stringify(payload);
    const res = await http(`${app.url}/api/github/webhooks/?from=proxy`, {
      method: "POST",
      headers: deliveryHeaders("push", body),
      body,
    });
    expect(res.status).toBe(200);
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).json()).toMatchObject({ xp: 10 });
    const after = (await app.get("/metrics")).text();
    const labels = { event: "push", outcome: "accepted" };
    expect(sample(after, "repositori_webhook_deliveries_total", labels)).toBe(
      sample(before, "repositori_webhook_deliveries_total", labels) + 1,
    );
  });

  it("reports the delivery ids SQLite holds in memory, one more per new delivery and none for a redelivery", async () => {
    const ids = async () => sample((await app.get("/metrics")).text(), "repositori_delivery_ids_in_memory", {});
    const before = await ids();
    const payload = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const body = JSON.stringify(payload);
    const headers = deliveryHeaders("push", body);
    for (let i = 0; i < 2; i++) {
      const res = await http(`${app.url}/api/github/webhooks`, { method: "POST", headers, body });
      expect(res.status).toBe(200);
    }
    expect(await ids()).toBe(before + 1);
  });

  it("serves Prometheus text with process metrics", async () => {
    const res = await app.get("/metrics");
    expect(res.status).toBe(200);
    expect(String(res.headers["content-type"])).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text()).toMatch(/^# HELP repositori_process_resident_memory_bytes /m);
    expect(res.text()).toMatch(/^# TYPE repositori_webhook_deliveries_total counter/m);
  });

  it("counts deliveries by event and outcome, foods, feedings and GitHub API calls; badge views cost no call", async () => {
    const before = (await app.get("/metrics")).text();
    const payload = dartPayload("push", undefined, (p) => Array.isArray(p.commits) && p.commits.length > 0);
    mockInstallationToken();
    mockNoConfig("Codertocat", "Hello-World");
    const id = "0b989ba4-242f-11e5-81e1-c7b6f0a6a4d1";
    expect((await app.deliver("push", payload, { id })).status).toBe(200);
    expect((await app.deliver("push", payload, { id })).status).toBe(200);
    expect((await app.deliver("push", payload, { secret: "wrong" })).status).toBeGreaterThanOrEqual(400);
    // A signed body under a made-up event name: answered, but no new label value.
    expect((await app.deliver("made_up_event", payload)).status).toBe(200);
    const mid = (await app.get("/metrics")).text();
    expect((await app.get("/api/v1/repos/Codertocat/Hello-World")).status).toBe(200);
    const after = (await app.get("/metrics")).text();

    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta("repositori_webhook_deliveries_total", { event: "push", outcome: "accepted" })).toBe(2);
    expect(delta("repositori_webhook_deliveries_total", { event: "unverified", outcome: "rejected" })).toBe(1);
    expect(delta("repositori_webhook_deliveries_total", { event: "other", outcome: "accepted" })).toBe(1);
    expect(after).not.toContain("made_up_event");
    expect(delta("repositori_feedings_total", { trigger: "push", result: "fed" })).toBe(1);
    expect(delta("repositori_feedings_total", { trigger: "push", result: "duplicate" })).toBe(1);
    const state = (await app.get("/api/v1/repos/Codertocat/Hello-World")).json();
    expect(delta("repositori_foods_total", { food: "curry" })).toBe(state.foodsByKind.curry);
    expect(state.foodsByKind.curry).toBeGreaterThan(0);
    // One installation token and two config lookups (repo, then the owner's .github repository).
    expect(sumOf(mid, "repositori_github_api_calls_total") - sumOf(before, "repositori_github_api_calls_total")).toBe(
      3,
    );
    expect(
      delta("repositori_github_api_calls_total", {
        route: "GET /repos/{owner}/{repo}/contents/{path}",
        status: "404",
      }),
    ).toBe(2);
    // The two deliveries that reached the store were stored in batches (here one at a time).
    expect(delta("repositori_feed_batch_size_sum", {})).toBe(2);
    expect(delta("repositori_feed_batch_size_count", {})).toBe(2);
    expect(delta("repositori_feed_batch_seconds_count", {})).toBe(2);
    // Reading the Dash afterwards made no GitHub call.
    expect(sumOf(after, "repositori_github_api_calls_total")).toBe(sumOf(mid, "repositori_github_api_calls_total"));
  });

  it("asks for METRICS_TOKEN as a bearer token when one is set", async () => {
    const guarded = await startApp({ features: [metricsFeature], env: { METRICS_TOKEN: "scrape-me-7c1" } });
    try {
      const none = await guarded.get("/metrics");
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
      expect(none.text()).not.toContain("repositori_");
      expect((await guarded.get("/metrics", { authorization: "Bearer scrape-me-7c2" })).status).toBe(401);
      expect((await guarded.get("/metrics", { authorization: "Basic scrape-me-7c1" })).status).toBe(401);
      const ok = await guarded.get("/metrics", { authorization: "Bearer scrape-me-7c1" });
      expect(ok.status).toBe(200);
      expect(ok.text()).toContain("repositori_webhook_deliveries_total");
    } finally {
      await guarded.close();
    }
  });

  it("is off with METRICS_ENABLED=false", async () => {
    const off = await startApp({ features: [metricsFeature], env: { METRICS_ENABLED: "false" } });
    try {
      expect((await off.get("/metrics")).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
