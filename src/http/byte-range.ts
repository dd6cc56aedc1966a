/** What to send for a Range header: the whole body, bytes start…end (inclusive), or 416. */
export type RangeAnswer = { kind: "whole" } | { kind: "part"; start: number; end: number } | { kind: "unsatisfiable" };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

/**
 * Reads a `Range` header for a body of `size` bytes (RFC 9110 §14). Only a single byte range is
 * served as a part; anything else (several ranges, other units, nonsense) is answered with the whole
 * body, which the RFC allows. Media players need this: Safari will not play audio without it, and
 * every player uses it to seek.
 */
export function byteRange(header: string | undefined, size: number): RangeAnswer {
  const match = header ? SINGLE.exec(header.trim()) : null;
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (n === 0) return { kind: "unsatisfiable" };
    return size === 0 ? { kind: "unsatisfiable" } : { kind: "part", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "part", start, end };
}
