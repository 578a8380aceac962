/**
 * What a feature costs to serve (ML Test Score data_3), beside what it is worth: the tensor columns it fills
 * and its share of the work of validating and encoding a row.
 *
 * The share is counted, not timed: over the assessed rows, each operation the shared validator
 * (src/model/instance-validator.ts) and encoder (src/model/encoding.ts) perform for the feature counts one —
 * the value's check, a category's lookup, each column's write (a one-hot column clears its columns, looks
 * the category up and sets one; a null value only clears). Timing the same code per feature moves shares by
 * several points between runs (JIT and GC), which would make packages irreproducible; the counts follow the
 * timed shares within that noise and are the same on every run.
 *
 * @example
 * encodeShares(features, encoding, rows); // [0.091, 0.091, …, 0.227]: one per feature, summing to 1
 * featureColumns(encoding, 'ocean_proximity'); // 5
 */
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import { modelInputs, type Encoding } from '../../src/model/manifest.ts';

/** Tensor elements per row the feature fills, over every input (a one-hot column counts one per category). */
export function featureColumns(encoding: Encoding, feature: string): number {
  let columns = 0;
  for (const input of modelInputs(encoding)) {
    for (const c of input.columns) if (c.feature === feature) columns += c.transform === 'one_hot' ? c.categories.length : 1;
  }
  return columns;
}

/** Validation and encoding operations per feature over the rows (rows in feature order, as the validator makes them). */
export function encodeOperations(features: readonly FeatureSchemaSpec[], encoding: Encoding, rows: readonly Row[]): number[] {
  const columns = modelInputs(encoding).flatMap((input) => input.columns);
  return features.map((f, i) => {
    const own = columns.filter((c) => c.feature === f.name);
    let operations = 0;
    for (const row of rows) {
      const present = (row[i] ?? null) !== null;
      // The check; a category present is looked up among the known ones.
      operations += 1 + (present && f.type === 'category' ? 1 : 0);
      for (const c of own) operations += c.transform === 'one_hot' && present ? 3 : 1;
    }
    return operations;
  });
}

/** Each feature's share of the operations, rounded to 4 decimals (so the shares sum to 1 within rounding). */
export function encodeShares(features: readonly FeatureSchemaSpec[], encoding: Encoding, rows: readonly Row[]): number[] {
  const operations = encodeOperations(features, encoding, rows);
  const total = operations.reduce((a, b) => a + b, 0);
  return operations.map((n) => (total === 0 ? 1 / operations.length : Math.round((n / total) * 1e4) / 1e4));
}
