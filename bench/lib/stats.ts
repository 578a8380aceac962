/**
 * Latency and resource statistics for the benchmark: exact percentiles over recorded samples, summaries of a
 * load run, and the ratios the issue asks for. Pure functions, unit-tested in test/unit/bench.
 */

/** The p-th percentile (0..100) of `sorted` (ascending), nearest-rank; NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[n - 1]!;
  // The epsilon keeps float error (99.9 / 100 * 1000 = 999.0000000000001) from moving the rank up by one.
  const rank = Math.ceil((p / 100) * n - 1e-9);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Summarizes latencies in milliseconds; sorts a copy (Float64Array sort is numeric). */
export function summarizeLatencies(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Relative growth from `before` to `after` (0.05 = 5 %), or null. */
export function growth(before: number | null | undefined, after: number | null | undefined): number | null {
  const r = ratio(after, before);
  return r === null ? null : r - 1;
}

export interface SeriesSummary {
  min: number;
  max: number;
  mean: number;
  last: number;
}

/** Min, max, mean and last of a series (e.g. RSS samples); null when empty. */
export function summarizeSeries(values: readonly number[]): SeriesSummary | null {
  if (values.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / values.length, last: values[values.length - 1]! };
}

/** Mean and standard deviation of a small sample (cold-start repetitions). */
export function meanStd(values: readonly number[]): { mean: number; std: number; min: number; max: number } | null {
  if (values.length === 0) return null;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}
