import { describe, expect, it } from "vitest";
import { retryWhileBusy } from "../../src/store/sqlite-busy.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

describe("retryWhileBusy", () => {
  it("retries while SQLite answers SQLITE_BUSY, then returns the answer", () => {
    let calls = 0;
    const result = retryWhileBusy(
      () => {
        calls++;
        if (calls < 3) throw busy();
        return "wal";
      },
      { forMs: 5000, pauseMs: () => 1 },
    );
    expect(result).toBe("wal");
    expect(calls).toBe(3);
  });

  it("throws any other error at once", () => {
    let calls = 0;
    const broken = () => {
      calls++;
      throw Object.assign(new Error("file is not a database"), { code: "SQLITE_NOTADB" });
    };
    expect(() => retryWhileBusy(broken, { forMs: 5000, pauseMs: () => 1 })).toThrow("file is not a database");
    expect(calls).toBe(1);
  });

  it("gives up with SQLite's own error once the time is up", () => {
    let calls = 0;
    const stuck = () => {
      calls++;
      throw busy();
    };
    expect(() => retryWhileBusy(stuck, { forMs: 30, pauseMs: () => 5 })).toThrow("database is locked");
    expect(calls).toBeGreaterThan(1);
  });
});
