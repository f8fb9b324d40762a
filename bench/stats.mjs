// Small statistics helpers shared by the benchmark's sections.

/** The q-quantile (0..1) of `values` by nearest rank on the sorted copy; NaN when empty. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => quantile(values, 0.5);
export const p90 = (values) => quantile(values, 0.9);

/** {n, median, p90, min, max} of `values`, rounded to `digits` decimals. */
export function summary(values, digits = 3) {
  const round = (x) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
  return {
    n: values.length,
    median: round(median(values)),
    p90: round(p90(values)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}
