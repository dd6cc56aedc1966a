import { describe, expect, it } from "vitest";
import { moodFor } from "../../src/domain/mood.js";
import { currentOutfit, seasonAt, unlockedOutfits } from "../../src/domain/outfits.js";
import { dayKey } from "../../src/domain/time.js";

const now = new Date("2026-06-10T12:00:00Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

describe("mood", () => {
  it("follows hours since the last food: <24 happy, <72 peckish, <168 hungry, else starving", () => {
    expect(moodFor(hoursAgo(0), now)).toBe("happy");
    expect(moodFor(hoursAgo(23.99), now)).toBe("happy");
    expect(moodFor(hoursAgo(24), now)).toBe("peckish");
    expect(moodFor(hoursAgo(71.9), now)).toBe("peckish");
    expect(moodFor(hoursAgo(72), now)).toBe("hungry");
    expect(moodFor(hoursAgo(167.9), now)).toBe("hungry");
    expect(moodFor(hoursAgo(168), now)).toBe("starving");
    expect(moodFor(hoursAgo(24 * 365), now)).toBe("starving");
  });

  it("a Dash never fed is hungry, not starving", () => {
    expect(moodFor(null, now)).toBe("hungry");
  });
});

describe("outfits", () => {
  it("unlock by level: normal 1, spring 2, summer 3, autumn 4, winter 5", () => {
    expect(unlockedOutfits(1)).toEqual(["normal"]);
    expect(unlockedOutfits(3)).toEqual(["normal", "spring", "summer"]);
    expect(unlockedOutfits(9)).toEqual(["normal", "spring", "summer", "autumn", "winter"]);
  });

  it("wears the chosen outfit only once unlocked, else the newest", () => {
    expect(currentOutfit(4)).toBe("autumn");
    expect(currentOutfit(4, "spring")).toBe("spring");
    expect(currentOutfit(2, "winter")).toBe("spring");
  });
});

describe("seasons and days in the repo's time zone", () => {
  it("uses meteorological seasons, flipped in the south", () => {
    expect(seasonAt(new Date("2026-01-15T00:00:00Z"), "UTC", "north")).toBe("winter");
    expect(seasonAt(new Date("2026-04-15T00:00:00Z"), "UTC", "north")).toBe("spring");
    expect(seasonAt(new Date("2026-07-15T00:00:00Z"), "UTC", "north")).toBe("summer");
    expect(seasonAt(new Date("2026-10-15T00:00:00Z"), "UTC", "north")).toBe("autumn");
    expect(seasonAt(new Date("2026-07-15T00:00:00Z"), "UTC", "south")).toBe("winter");
  });

  it("changes season at local midnight, not UTC midnight", () => {
    // 2026-02-28T16:00Z is already 1 March in Tokyo (UTC+9): spring there, still winter in UTC.
    const at = new Date("2026-02-28T16:00:00Z");
    expect(seasonAt(at, "UTC", "north")).toBe("winter");
    expect(seasonAt(at, "Asia/Tokyo", "north")).toBe("spring");
  });

  it("counts days in the given zone", () => {
    const lateUtc = new Date("2026-11-27T23:30:00Z");
    expect(dayKey(lateUtc, "UTC")).toBe("2026-11-27");
    expect(dayKey(lateUtc, "Asia/Tokyo")).toBe("2026-11-28");
    expect(dayKey(lateUtc, "America/Los_Angeles")).toBe("2026-11-27");
  });

  it("turns the day exactly at local midnight in a zone with a quarter-hour offset", () => {
    // Asia/Kathmandu is UTC+5:45: local midnight of 28 November is 18:15 UTC on the 27th.
    expect(dayKey(new Date("2026-11-27T18:14:59.999Z"), "Asia/Kathmandu")).toBe("2026-11-27");
    expect(dayKey(new Date("2026-11-27T18:15:00.000Z"), "Asia/Kathmandu")).toBe("2026-11-28");
    // Across a daylight-saving change (Europe/Berlin leaves summer time on 25 October 2026 at 01:00 UTC).
    expect(dayKey(new Date("2026-10-25T21:59:59Z"), "Europe/Berlin")).toBe("2026-10-25");
    expect(dayKey(new Date("2026-10-25T23:00:00Z"), "Europe/Berlin")).toBe("2026-10-26");
  });
});
