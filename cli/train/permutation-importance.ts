/**
 * Permutation importance (Breiman 2001; ML Test Score data_2): how much a model's primary metric worsens on
 * held-out rows when one feature's values are shuffled across the rows, breaking its link with the target
 * while keeping its distribution. Shuffling happens on validated rows, before encoding, so a feature that
 * fills several columns (one-hot, is_null) moves as one. Each (feature, repeat) shuffle has its own seeded
 * stream, so the result depends only on the rows, the model and the seed.
 *
 * @example
 * const result = await permutationImportance(rows, features.length, async (r) => mae(await predict(r)), {
 *   repeats: 5, seed: 42, higherIsBetter: false });
 * result.features[0]; // { importance: 1234.5, std_error: 56.7, beneficial: true }
 */
import type { Row } from '../../src/model/instance-validator.ts';
import { deriveSeed, mulberry32, shuffledIndexes } from '../../src/lib/random.ts';

export interface PermutationOptions {
  repeats: number;
  seed: number;
  /** Direction of the metric: worsening is baseline − permuted when higher is better, else permuted − baseline. */
  higherIsBetter: boolean;
  /** Called after each feature, for progress lines. */
  onFeature?: (feature: number, importance: FeatureImportance) => void;
}

export interface FeatureImportance {
  /** Mean worsening of the metric over the repeats: positive when the model relies on the feature. */
  importance: number;
  /** Standard error of that mean (sample standard deviation over the repeats / √repeats; 0 for one repeat). */
  std_error: number;
  /** importance > 0 and importance > 2 · std_error: the feature measurably helps. */
  beneficial: boolean;
}

export interface PermutationResult {
  /** The metric on the rows as they are. */
  baseline: number;
  /** One entry per feature, in row order. */
  features: FeatureImportance[];
}

/** Seeded stream of shuffles; distinct from the split's and the folds' streams of the same seed. */
const PERMUTATION_STREAM = 0x7065726d;

export async function permutationImportance(
  rows: readonly Row[],
  featureCount: number,
  metricOf: (rows: readonly Row[]) => Promise<number>,
  options: PermutationOptions,
): Promise<PermutationResult> {
  const baseline = await metricOf(rows);
  const features: FeatureImportance[] = [];
  for (let i = 0; i < featureCount; i++) {
    const worsening: number[] = [];
    for (let k = 0; k < options.repeats; k++) {
      const metric = await metricOf(permuteFeature(rows, i, permutationSeed(options.seed, i, k)));
      worsening.push(options.higherIsBetter ? baseline - metric : metric - baseline);
    }
    const importance = summarize(worsening);
    features.push(importance);
    options.onFeature?.(i, importance);
  }
  return { baseline, features };
}

/** The seed of repeat `repeat` of feature `feature`. */
export function permutationSeed(seed: number, feature: number, repeat: number): number {
  return deriveSeed(deriveSeed(deriveSeed(seed, PERMUTATION_STREAM), feature), repeat);
}

/** Copies of the rows with feature `feature`'s values shuffled among them (the other values stay). */
export function permuteFeature(rows: readonly Row[], feature: number, seed: number): Row[] {
  const order = shuffledIndexes(rows.length, mulberry32(seed));
  return rows.map((row, r) => {
    const copy = row.slice();
    copy[feature] = rows[order[r]!]![feature] ?? null;
    return copy;
  });
}

function summarize(worsening: readonly number[]): FeatureImportance {
  const n = worsening.length;
  const mean = worsening.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? worsening.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const stdError = Math.sqrt(variance / n);
  return { importance: mean, std_error: stdError, beneficial: mean > 0 && mean > 2 * stdError };
}
