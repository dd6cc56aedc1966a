import pino from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, SIGNATURE_HINT } from "../../src/logger.js";
import { mockInstallationToken, mockNoConfig, PRIVATE_KEY, startApp, WEBHOOK_SECRET } from "../helpers/app-harness.js";
import { dartPayload } from "../helpers/examples.js";
import { logSink } from "../helpers/log-sink.js";

describe("logs", () => {
  it("carry the delivery id and never a secret, even at trace level", async () => {
    const { sink, text } = logSink();
    const app = await startApp({ log: pino({ level: "trace" }, sink) });
    try {
      mockInstallationToken();
      mockNoConfig("Codertocat", "Hello-World");
      const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
      const res = await app.deliver("push", push, { id: "delivery-for-log-test" });
      expect(res.status).toBe(200);
      await app.deliver("push", push, { secret: "not-the-secret" });
    } finally {
      await app.close();
    }
    expect(text()).toContain("delivery-for-log-test");
    expect(text()).toMatch(/fed Dash 1 food/);
    const keyBody = PRIVATE_KEY.split("\n")[1] ?? "";
    expect(keyBody.length).toBeGreaterThan(20);
    expect(text()).not.toContain(keyBody);
    expect(text()).not.toContain(WEBHOOK_SECRET);
    expect(text()).not.toContain("ghs_test");
  });

  it("turn a bad signature into one warning that says what to check, without a stack", async () => {
    const { sink, lines } = logSink();
    const app = await startApp({ log: createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, sink) });
    try {
      const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
      const res = await app.deliver("push", push, { id: "stray-request", secret: "not-the-secret" });
      expect(res.status).toBe(400);
    } finally {
      await app.close();
    }
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const aboutIt = entries.filter((e) => JSON.stringify(e).includes("signature"));
    expect(aboutIt).toHaveLength(1);
    expect(aboutIt[0]).toMatchObject({ level: 40, delivery: "stray-request", event: "push", msg: SIGNATURE_HINT });
    expect(JSON.stringify(aboutIt[0])).not.toContain("stack");
  });

  it("turn a delivery answered 503 (GitHub too slow) into one warning, without a stack", async () => {
    const { sink, lines } = logSink();
    const app = await startApp({
      log: createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, sink),
      answerWithinMs: 200,
    });
    try {
      mockInstallationToken();
      const held = mockNoConfig("Codertocat", "Hello-World", { delayMs: 600 });
      const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
      expect((await app.deliver("push", push, { id: "too-slow" })).status).toBe(503);
      // Let the lookup finish before closing, so that no mock is left pending.
      while (!held.isDone()) await new Promise((done) => setTimeout(done, 50));
    } finally {
      await app.close();
    }
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const aboutIt = entries.filter((e) => JSON.stringify(e).includes("did not answer"));
    expect(aboutIt).toHaveLength(1);
    expect(aboutIt[0]).toMatchObject({ level: 40, delivery: "too-slow", event: "push" });
    expect(String(aboutIt[0]?.msg)).toMatch(/^webhook answered 503, GitHub can redeliver it: GitHub did not answer/);
    expect(JSON.stringify(aboutIt[0])).not.toContain("stack");
  });

  it("leave a delivery's payload out of the errors they log, keeping its id", async () => {
    const { sink, text } = logSink();
    const app = await startApp({ log: createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, sink) });
    const push = dartPayload("push", undefined, (p) => (p.commits as unknown[]).length > 0);
    const marker = "private-commit-message-7f3a";
    (push.head_commit as Record<string, unknown>).message = marker;
    try {
      // A stranger's text (bad signature), then a delivery whose handler fails (the store is gone).
      expect((await app.deliver("push", push, { id: "bad-signature", secret: "not-the-secret" })).status).toBe(400);
      mockInstallationToken();
      mockNoConfig("Codertocat", "Hello-World");
      await app.store.close();
      expect((await app.deliver("push", push, { id: "failing-handler" })).status).toBeGreaterThanOrEqual(500);
    } finally {
      await app.close().catch(() => undefined);
    }
    expect(text()).toContain("bad-signature");
    expect(text()).toContain("failing-handler");
    expect(text()).toContain('"payload":"[redacted]"');
    expect(text()).not.toContain(marker);
  });
});
