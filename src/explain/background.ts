/**
 * What explanations compare an instance with, taken from the manifest's training statistics: background rows
 * (drawn by src/model/sample-rows.ts; the interventional reference, and the rows whose paths through the trees
 * give TreeSHAP its cover), and the exact expectation of each encoded column where the statistics determine it
 * (means, null rates and category frequencies).
 *
 * @example
 * const means = encodedColumnMeans(manifest.features, modelInputs(manifest.encoding)[0]!.columns);
 */
import type { EncodingColumn, Feature } from '../model/manifest.ts';

export type ColumnMeans = { ok: true; means: Float64Array } | { ok: false; reason: string };

/**
 * The expectation of every encoded column of a float input under the training statistics: a numeric column
 * (1 − null rate)·mean + null rate·impute, a one-hot column (1 − null rate)·frequency, an is_null column the
 * null rate. A column whose value at null is NaN (left for the graph to impute) has no expectation here.
 */
export function encodedColumnMeans(
  features: readonly Pick<Feature, 'name' | 'training'>[],
  columns: readonly EncodingColumn[],
): ColumnMeans {
  const byName = new Map(features.map((f) => [f.name, f]));
  const means: number[] = [];
  for (const column of columns) {
    const f = byName.get(column.feature);
    if (!f) return { ok: false, reason: `the encoding refers to unknown feature "${column.feature}"` };
    const stats = f.training;
    const p = stats.null_rate;
    const present = 1 - p;
    const nonNullMean = 'bin_edges' in stats ? stats.mean : (stats.category_frequencies['true'] ?? 0);
    switch (column.transform) {
      case 'numeric':
      case 'boolean':
        means.push(present * nonNullMean + p * column.impute);
        break;
      case 'is_null':
        means.push(p);
        break;
      case 'one_hot':
        if ('bin_edges' in stats) return { ok: false, reason: `"${f.name}" is one-hot encoded but has numeric statistics` };
        for (const c of column.categories) means.push(present * (stats.category_frequencies[c] ?? 0));
        break;
      case 'value': {
        if (typeof column.impute === 'string') return { ok: false, reason: `"${f.name}" feeds a string tensor` };
        if (!('bin_edges' in stats) && Object.keys(stats.category_frequencies).some((k) => k !== 'true' && k !== 'false')) {
          return { ok: false, reason: `"${f.name}" is a category fed as itself` };
        }
        if (p > 0 && column.impute === undefined)
          return { ok: false, reason: `"${f.name}" reaches the graph as NaN when null (the graph imputes it)` };
        means.push(present * nonNullMean + (p > 0 ? p * Number(column.impute) : 0));
        break;
      }
    }
  }
  return { ok: true, means: Float64Array.from(means) };
}
