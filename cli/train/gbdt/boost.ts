/**
 * Gradient boosting over histogram trees: squared error for regression, log-loss for binary
 * classification (margins in log-odds). Inputs are the float32 encoded matrix, exactly what ONNX will be
 * fed; an optional seeded row subsample per tree makes the ensemble depend on the seed.
 *
 * @example
 * const ensemble = boost(x, rows, width, y, 'regression', hyperparameters, 42);
 * ensembleMargin(ensemble, x, 0); // base + Σ leaf weights for row 0
 */
import { mulberry32 } from '../../../src/lib/random.ts';
import type { GbdtHyperparameters } from '../spec.ts';
import { binColumns } from './bins.ts';
import { growTree, treeValue, treeValueBinned, type Tree } from './tree.ts';

export type BoostingLoss = 'squared_error' | 'log_loss';

export interface Ensemble {
  loss: BoostingLoss;
  width: number;
  /** Initial margin: the target mean, or the log-odds of the positive rate. */
  base: number;
  trees: Tree[];
}

export function boost(
  x: Float32Array,
  rows: number,
  width: number,
  y: Float64Array,
  loss: BoostingLoss,
  hp: GbdtHyperparameters,
  seed: number,
): Ensemble {
  const binned = binColumns(x, rows, width, hp.max_bins);
  let mean = 0;
  for (let r = 0; r < rows; r++) mean += y[r]!;
  mean /= rows;
  const clipped = Math.min(Math.max(mean, 1e-6), 1 - 1e-6);
  const base = Math.fround(loss === 'squared_error' ? mean : Math.log(clipped / (1 - clipped)));

  const margin = new Float64Array(rows).fill(base);
  const grad = new Float64Array(rows);
  const hess = new Float64Array(rows).fill(1);
  const random = mulberry32(seed ^ 0x5bd1e995);
  const pool = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) pool[r] = r;
  const sampleSize = Math.max(1, Math.round(hp.subsample * rows));
  const options = { maxDepth: hp.max_depth, minSamplesLeaf: hp.min_samples_leaf, l2: hp.l2, learningRate: hp.learning_rate };

  const trees: Tree[] = [];
  for (let t = 0; t < hp.n_trees; t++) {
    for (let r = 0; r < rows; r++) {
      if (loss === 'squared_error') grad[r] = margin[r]! - y[r]!;
      else {
        const p = 1 / (1 + Math.exp(-margin[r]!));
        grad[r] = p - y[r]!;
        hess[r] = Math.max(p * (1 - p), 1e-16);
      }
    }
    const sample = sampleSize < rows ? drawSample(pool, sampleSize, random) : pool;
    const tree = growTree(binned, grad, hess, sample, options);
    trees.push(tree);
    for (let r = 0; r < rows; r++) margin[r]! += treeValueBinned(tree, binned, r);
  }
  return { loss, width, base, trees };
}

/** Base plus every tree's leaf weight for the float32 row at x[offset]. */
export function ensembleMargin(ensemble: Ensemble, x: Float32Array, offset: number): number {
  let m = ensemble.base;
  for (const tree of ensemble.trees) m += treeValue(tree, x, offset);
  return m;
}

/** `size` distinct rows (partial Fisher–Yates over the reusable pool), in ascending order for cache locality. */
function drawSample(pool: Uint32Array, size: number, random: () => number): Uint32Array {
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, size).sort();
}
