/**
 * Distribution comparisons used by the skew, drift, shadow and canary checks. Pure functions over counts or
 * frequencies; empty bins are smoothed with `EPSILON` so the logarithms stay finite.
 */

/** Floor for a bin's share before taking logarithms (PSI and KL are infinite for empty bins otherwise). */
export const EPSILON = 1e-4;

function normalize(values: readonly number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return total > 0 ? values.map((v) => v / total) : values.map(() => 0);
}

/**
 * Population Stability Index of `actual` against `expected`, both given per bin (counts or shares, each
 * normalized here): Σ (a - e) · ln(a / e), with shares floored at EPSILON.
 *
 * @example psi([0.5, 0.5], [0.5, 0.5]) // 0
 */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error(`psi needs equal bins (${expected.length} vs ${actual.length})`);
  const e = normalize(expected);
  const a = normalize(actual);
  let total = 0;
  for (let i = 0; i < e.length; i++) {
    const ei = Math.max(e[i]!, EPSILON);
    const ai = Math.max(a[i]!, EPSILON);
    total += (ai - ei) * Math.log(ai / ei);
  }
  return total;
}

/**
 * Jensen–Shannon divergence (base 2, so within [0, 1]) between two distributions over the same categories.
 *
 * @example jensenShannon([1, 0], [0, 1]) // 1
 */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new Error(`jensenShannon needs equal categories (${p.length} vs ${q.length})`);
  const pn = normalize(p);
  const qn = normalize(q);
  let total = 0;
  for (let i = 0; i < pn.length; i++) {
    const m = (pn[i]! + qn[i]!) / 2;
    if (pn[i]! > 0) total += 0.5 * pn[i]! * Math.log2(pn[i]! / m);
    if (qn[i]! > 0) total += 0.5 * qn[i]! * Math.log2(qn[i]! / m);
  }
  return Math.max(0, total);
}

/** Aligns two keyed histograms (categories) on the union of their keys, in a stable order. */
export function alignCategories(
  expected: Readonly<Record<string, number>>,
  actual: Readonly<Record<string, number>>,
): { keys: string[]; expected: number[]; actual: number[] } {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return { keys, expected: keys.map((k) => expected[k] ?? 0), actual: keys.map((k) => actual[k] ?? 0) };
}

/** Per-bin counts (bins "0".."n-1") as an array of length `bins`; unknown keys are ignored. */
export function binCounts(counts: Readonly<Record<string, number>>, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const [k, v] of Object.entries(counts)) {
    const i = Number(k);
    if (Number.isInteger(i) && i >= 0 && i < bins) out[i]! += v;
  }
  return out;
}

/** Mean and (population) standard deviation from count, sum and sum of squares. */
export function moments(count: number, sum: number, sumSq: number): { mean: number; std: number } | null {
  if (count <= 0) return null;
  const mean = sum / count;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / count - mean * mean)) };
}

/** Severity of `value` against warn/fail thresholds where larger is worse. */
export function grade(value: number, warn: number, fail: number): 'pass' | 'warn' | 'fail' {
  if (value > fail) return 'fail';
  if (value > warn) return 'warn';
  return 'pass';
}

/**
 * Standard error of a labelled metric, from what the labelled sample shows: MAE from the spread of absolute
 * errors (RMSE² − MAE²), AUC by Hanley and McNeil (1982) from the class counts, accuracy as a binomial share
 * (never below the spread of one error in n, so 100 % on a small sample is not certainty). Null when it cannot
 * be told.
 *
 * @example metricStandardError('auc', { auc: 0.8 }, 500, 120) // ≈ 0.026
 */
export function metricStandardError(
  metric: string,
  metrics: Readonly<Record<string, number | null>>,
  n: number,
  positives?: number,
): number | null {
  const value = metrics[metric];
  if (value === null || value === undefined || n < 2) return null;
  switch (metric) {
    case 'mae': {
      const rmse = metrics.rmse;
      if (rmse === null || rmse === undefined) return null;
      return Math.sqrt(Math.max(0, rmse * rmse - value * value) / n);
    }
    case 'auc': {
      if (positives === undefined) return null;
      const negatives = n - positives;
      if (positives < 1 || negatives < 1) return null;
      const q1 = value / (2 - value);
      const q2 = (2 * value * value) / (1 + value);
      const variance =
        (value * (1 - value) + (positives - 1) * (q1 - value * value) + (negatives - 1) * (q2 - value * value)) / (positives * negatives);
      return Math.sqrt(Math.max(variance, 0));
    }
    case 'accuracy':
      return Math.sqrt(Math.max(value * (1 - value), 1 / n) / n);
    default:
      return null;
  }
}

/** Two-sided 95 % normal quantile: quality is judged only when its 95 % interval is clear of a threshold. */
export const Z_95 = 1.96;
