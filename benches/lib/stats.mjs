// Summaries and formatting shared by the bench sections. Nothing here asserts:
// the bench reports what it measured, tests never gate on timings.

/** {n, min, median, max, mean} of a list of numbers (median of an even count = mean of the middle two). */
export function summarize(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n: 0, min: NaN, median: NaN, max: NaN, mean: NaN };
  const mid = n >> 1;
  const median = n % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { n, min: v[0], median, max: v[n - 1], mean: v.reduce((a, b) => a + b, 0) / n, p90: v[Math.min(n - 1, Math.floor(n * 0.9))] };
}

/** Thousands separators: 131316 -> "131,316". */
export const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : String(x));

/** A number with `d` decimals. */
export const num = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** "min / median / max" of a summary with a unit and decimals. */
export const mmm = (s, d = 2, unit = '') => `${num(s.min, d)} / ${num(s.median, d)} / ${num(s.max, d)}${unit}`;

export const MB = (bytes) => bytes / (1024 * 1024);

/** Pads a table: rows of cells, first column left-aligned, the rest right-aligned. */
export function table(rows, { indent = '  ', left = 1 } = {}) {
  const widths = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return rows
    .map((r) => indent + r.map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd())
    .join('\n');
}
