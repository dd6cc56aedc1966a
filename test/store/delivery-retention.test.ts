import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { forgetDeliveries, startDeliveryRetention } from "../../src/store/delivery-retention.js";
import type { RepoRef } from "../../src/store/store.js";
import { curry, inputMaker } from "../helpers/feed-inputs.js";
import { logSink } from "../helpers/log-sink.js";
import { forEachStore } from "../helpers/stores.js";

const repo: RepoRef = { id: 808, owner: "dart-lang", name: "retained", private: false, installationId: 1 };
const NOW = new Date("2026-06-30T12:00:00Z");
const DAY = 24 * 3600 * 1000;

describe("forgetting old delivery ids", () => {
  forEachStore((_kind, open) => {
    it("forgets ids older than the cutoff, a window of ids at a time, and a forgotten delivery sent again still feeds nothing", async () => {
      const store = await open();
      const old = inputMaker(repo, new Date(NOW.getTime() - 40 * DAY), "old-");
      // Kept ids on both sides of the forgotten ones in key order, so the windows must step past them.
      const recentA = inputMaker(repo, new Date(NOW.getTime() - 2 * DAY), "a-");
      const recentZ = inputMaker(repo, new Date(NOW.getTime() - 2 * DAY), "z-");
      const olds = Array.from({ length: 5 }, (_, i) => old([curry(`dev${i}`, `commit:old-${i}`)]));
      const recents = [recentA, recentZ, recentA].map((make, i) => make([curry(`dev${i}`, `commit:new-${i}`)]));
      for (const input of [...olds, ...recents]) await store.feed(input);
      const xp = (await store.getRepoDash(repo.owner, repo.name, { day: "2026-06-30", top: 10 }))?.xp;
      expect(xp).toBe(80);

      const statements = vi.spyOn(store.db, "query");
      expect(await forgetDeliveries(store.db, NOW.getTime() - 30 * DAY, { window: 2 })).toBe(5);
      // Eight ids, two per window: four windows, each found and then forgotten, and the empty fifth.
      const texts = statements.mock.calls.map(([text]) => text.trim().split(/\s+/)[0]);
      expect(texts).toEqual([...Array(4).fill(["SELECT", "DELETE"]).flat(), "SELECT"]);
      statements.mockRestore();
      const kept = await store.db.query<{ id: string }>("SELECT id FROM deliveries ORDER BY id");
      expect(kept.map((r) => r.id)).toEqual(["a-1", "a-2", "z-1"]);
      expect(await forgetDeliveries(store.db, NOW.getTime() - 30 * DAY)).toBe(0);

      // GitHub sends a forgotten delivery again: it is new by id, but its commit fed before.
      const again = await store.feed(olds[0] as never);
      expect(again.duplicateDelivery).toBe(false);
      expect(again.applied).toEqual([]);
      // A kept one is still known by its id.
      expect((await store.feed(recents[0] as never)).duplicateDelivery).toBe(true);
      expect((await store.getRepoDash(repo.owner, repo.name, { day: "2026-06-30", top: 10 }))?.xp).toBe(80);
    });

    it("sweeps on its own schedule, logs what it forgot, and a failing sweep is logged, not thrown", async () => {
      const store = await open();
      const old = inputMaker(repo, new Date(NOW.getTime() - 10 * DAY), "aged-");
      await store.feed(old([curry("ana", "commit:aged-1")]));
      const { sink, text } = logSink();
      const log = pino({ level: "info" }, sink);
      const retention = startDeliveryRetention({
        db: store.db,
        days: 7,
        log,
        now: () => NOW,
        firstAfterMs: 0,
        everyMs: 20,
      });
      for (let i = 0; i < 200 && !text().includes("forgot delivery ids"); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(JSON.parse(text().split("\n")[0] ?? "{}")).toMatchObject({ forgotten: 1, days: 7 });
      expect(await store.db.query("SELECT id FROM deliveries")).toEqual([]);
      await retention.stop();

      const broken = startDeliveryRetention({
        db: {
          ...store.db,
          query: async () => {
            throw new Error("database unreachable");
          },
        } as never,
        days: 7,
        log,
        now: () => NOW,
        firstAfterMs: 0,
      });
      for (let i = 0; i < 200 && !text().includes("could not forget"); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(text()).toContain("could not forget old delivery ids");
      expect(text()).toContain("database unreachable");
      await broken.stop();
    });
  });
});
