/** The result rows of `npm run bench` (bench/results.json) and the table printed from them. */

export interface BenchRow {
  name: string;
  metric: string;
  value: number;
  unit: string;
  /** The same quantity measured side by side in the same run (null: no baseline applies). */
  baseline: number | null;
  /** value / baseline (null without a baseline). */
  ratio: number | null;
  /** The goal, e.g. ">= 0.8 ratio" or "<= 150 ms"; null when the row is reported only. */
  target: string | null;
  /** How the load was made, where it matters: the tool and its connections (e.g. "wrk -t1 -c50, median of 5 rounds × 6 s"). */
  load?: string;
}

export function row(
  name: string,
  metric: string,
  value: number,
  unit: string,
  options: { baseline?: number | null; target?: string | null; load?: string } = {},
): BenchRow {
  const baseline = options.baseline ?? null;
  const ratio =
    baseline === null || baseline === 0 || !Number.isFinite(value)
      ? null
      : Math.round((value / baseline) * 1000) / 1000;
  return {
    name,
    metric,
    value,
    unit,
    baseline,
    ratio,
    target: options.target ?? null,
    ...(options.load ? { load: options.load } : {}),
  };
}

/**
 * Whether a row meets its target. Targets read "<op> <number> <what>" where what is "ratio" (checked
 * against the ratio) or anything else (checked against the value).
 */
export function meets(r: BenchRow): boolean | null {
  if (!r.target) return null;
  const match = /^(<=|>=|==)\s*(-?[\d.]+)\s*(\S*)/.exec(r.target);
  if (!match) return null;
  const [, op, limitText, what] = match;
  const subject = what === "ratio" ? r.ratio : r.value;
  if (subject === null || !Number.isFinite(subject)) return false;
  const limit = Number(limitText);
  return op === "<=" ? subject <= limit : op === ">=" ? subject >= limit : subject === limit;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ["row", "metric", "value", "unit", "baseline", "ratio", "target", "met", "load"];
  const lines = rows.map((r) => {
    const met = meets(r);
    return [
      r.name,
      r.metric,
      String(r.value),
      r.unit,
      r.baseline === null ? "" : String(r.baseline),
      r.ratio === null ? "" : String(r.ratio),
      r.target ?? "",
      met === null ? "" : met ? "yes" : "NO",
      r.load ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}
