/**
 * Training statistics written into the manifest: the reference that serving profiles are compared with for
 * skew and drift. Numeric values get mean/std/min/max and decile bins from the shared binning module (so a
 * value falls in the same bin in training and serving); categories and booleans get frequencies.
 *
 * @example
 * numericDistribution([1, 2, null, 4]); // { count: 4, null_rate: 0.25, mean: 2.33…, bin_edges: [...], ... }
 */
import { binFrequencies, quantileEdges } from '../../src/model/binning.ts';
import type { CategoricalDistribution, FeatureValue, NumericDistribution } from '../../src/model/manifest.ts';

/** Statistics of numbers (nulls counted in null_rate); null when there is no non-null value. */
export function numericDistribution(values: readonly (number | null)[]): NumericDistribution | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  const sorted = Float64Array.from(present).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  const edges = quantileEdges(Array.from(sorted));
  return {
    count: values.length,
    null_rate: (values.length - present.length) / values.length,
    mean,
    std: Math.sqrt(squares / sorted.length),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    bin_edges: edges,
    bin_frequencies: binFrequencies(edges, present),
  };
}

/** Frequencies of each known category (booleans as "true"/"false") among the non-null values. */
export function categoricalDistribution(values: readonly FeatureValue[], categories: readonly string[]): CategoricalDistribution {
  const counts = new Map<string, number>(categories.map((c) => [c, 0]));
  let present = 0;
  for (const v of values) {
    if (v === null) continue;
    present++;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const category_frequencies: Record<string, number> = {};
  for (const [key, count] of counts) category_frequencies[key] = present === 0 ? 0 : count / present;
  return { count: values.length, null_rate: values.length === 0 ? 0 : (values.length - present) / values.length, category_frequencies };
}

/** The median of the non-null numbers (the lower middle value, so it is a value that occurs). */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = Float64Array.from(values.filter((v): v is number => v !== null)).sort();
  if (sorted.length === 0) return null;
  return sorted[(sorted.length - 1) >> 1]!;
}
