import { describe, expect, it } from "vitest";
import { byteRange } from "../../src/http/byte-range.js";

describe("byteRange", () => {
  it("serves one byte range, an open-ended range and a suffix as a part", () => {
    expect(byteRange("bytes=0-99", 1000)).toEqual({ kind: "part", start: 0, end: 99 });
    expect(byteRange("bytes=900-", 1000)).toEqual({ kind: "part", start: 900, end: 999 });
    expect(byteRange("bytes=-100", 1000)).toEqual({ kind: "part", start: 900, end: 999 });
    expect(byteRange("bytes=0-0", 1)).toEqual({ kind: "part", start: 0, end: 0 });
  });

  it("clamps a range that runs past the end, and a suffix longer than the body", () => {
    expect(byteRange("bytes=500-5000", 1000)).toEqual({ kind: "part", start: 500, end: 999 });
    expect(byteRange("bytes=-5000", 1000)).toEqual({ kind: "part", start: 0, end: 999 });
  });

  it("answers 416 for a range that starts past the end or asks for no bytes", () => {
    expect(byteRange("bytes=1000-", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=-0", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("sends the whole body for no range, several ranges, other units or nonsense", () => {
    for (const header of [undefined, "", "bytes=0-1,5-9", "items=0-5", "bytes=9-3", "bytes=-", "bytes=a-b"]) {
      expect(byteRange(header, 1000)).toEqual({ kind: "whole" });
    }
  });
});
