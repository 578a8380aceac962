import { describe, expect, it } from 'vitest';
import { boost, ensembleMargin } from '../../../cli/train/gbdt/boost.ts';
import { binColumns, binOf } from '../../../cli/train/gbdt/bins.ts';
import { treeValue, treeValueBinned } from '../../../cli/train/gbdt/tree.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import { GbdtHyperparametersSchema } from '../../../cli/train/spec.ts';

/** rows × width uniform float32 values, deterministic. */
function matrix(rows: number, width: number, seed = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: rows * width }, () => Math.fround(random() * 10 - 5));
}

describe('gradient-boosted trees', () => {
  it('bins with thresholds that are values of the data, and bin <= b exactly when x <= threshold b', () => {
    const x = matrix(500, 2);
    const binned = binColumns(x, 500, 2, 16);
    for (let j = 0; j < 2; j++) {
      const values = new Set(Array.from({ length: 500 }, (_, r) => x[r * 2 + j]!));
      const thresholds = binned.thresholds[j]!;
      expect(thresholds.length).toBe(15);
      for (const t of thresholds) expect(values.has(t)).toBe(true);
      for (let r = 0; r < 500; r++) {
        const bin = binned.bins[r * 2 + j]!;
        thresholds.forEach((t, b) => expect(bin <= b).toBe(x[r * 2 + j]! <= t));
      }
    }
  });

  it('keeps bins for the tail of a column with a heavy mass at one value', () => {
    const column = Float32Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : i));
    const thresholds = binColumns(column, 1000, 1, 10).thresholds[0]!;
    expect(thresholds[0]).toBe(0);
    expect(thresholds.length).toBe(9);
    expect(binOf(thresholds, 999)).toBe(9);
  });

  it('routes raw float32 rows and binned rows to the same leaves', () => {
    const rows = 400;
    const x = matrix(rows, 3, 2);
    const y = Float64Array.from({ length: rows }, (_, r) => x[r * 3]! * 2 + (x[r * 3 + 1]! > 0 ? 5 : 0));
    const hp = GbdtHyperparametersSchema.parse({ n_trees: 5, max_depth: 4, min_samples_leaf: 5, max_bins: 20 });
    const ensemble = boost(x, rows, 3, y, 'squared_error', hp, 1);
    const binned = binColumns(x, rows, 3, 20);
    for (const tree of ensemble.trees) {
      for (let r = 0; r < rows; r++) expect(treeValueBinned(tree, binned, r)).toBe(treeValue(tree, x, r * 3));
    }
  });

  it('fits a step function with boosting', () => {
    const rows = 300;
    const x = matrix(rows, 1, 3);
    const y = Float64Array.from({ length: rows }, (_, r) => (x[r]! > 1 ? 10 : 0));
    const hp = GbdtHyperparametersSchema.parse({ n_trees: 50, learning_rate: 0.5, max_depth: 1, min_samples_leaf: 1, l2: 0 });
    const ensemble = boost(x, rows, 1, y, 'squared_error', hp, 1);
    for (let r = 0; r < rows; r++) expect(ensembleMargin(ensemble, x, r)).toBeCloseTo(y[r]!, 3);
  });
});
