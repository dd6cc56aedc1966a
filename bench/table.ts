/** One line of the benchmark table. */
export interface BenchRow {
  area: string;
  measure: string;
  /** One value per column (e.g. per store); missing columns print as "–". */
  values: Record<string, string>;
  target?: string;
  /** Whether the measured figure meets the target; undefined when there is none. */
  meets?: boolean;
}

/** Prints rows as one aligned plain-text table (Markdown-compatible) with the given value columns. */
export function printTable(rows: readonly BenchRow[], columns: readonly string[]): string {
  const header = ["Area", "Measure", ...columns, "Target", "Meets"];
  const lines = rows.map((r) => [
    r.area,
    r.measure,
    ...columns.map((c) => r.values[c] ?? "–"),
    r.target ?? "",
    r.meets === undefined ? "" : r.meets ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

export const fmt = {
  rate: (perSecond: number) => `${Math.round(perSecond).toLocaleString("en-US")}/s`,
  ms: (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`,
  ratio: (r: number) => r.toFixed(2),
  mb: (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`,
};
