// Benchmark arithmetic: medians of repeated runs, percentiles of samples, ratios to a same-run baseline.

/** Median of repeated measurements (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? 0) + hi) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest sample with at least p % of samples <= it. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of nothing');
  if (p < 0 || p > 100) throw new Error(`percentile ${p} outside 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

/** A measured rate relative to its baseline from the same run, rounded to 3 decimals. */
export function ratio(value: number, baseline: number): number {
  if (baseline <= 0) throw new Error('ratio to a zero baseline');
  return Math.round((value / baseline) * 1000) / 1000;
}

/** Rounds for the report: rates to integers, small figures to 2 decimals. */
export function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}
