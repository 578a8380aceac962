/**
 * One regression tree grown on gradient histograms (second-order, like XGBoost/LightGBM): depth-first,
 * splitting a node on the (column, bin) with the largest gain while both children keep min_samples_leaf
 * rows. The smaller child's histogram is built from its rows and the larger one's by subtraction.
 *
 * @example
 * const tree = growTree(binned, grad, hess, sampleRows, { maxDepth: 6, minSamplesLeaf: 20, l2: 1, learningRate: 0.1 });
 * treeValue(tree, x, r * width); // the leaf weight row r lands in
 */
import type { BinnedMatrix } from './bins.ts';

/** Nodes in parallel arrays; node 0 is the root. A leaf has feature -1. */
export interface Tree {
  feature: number[];
  /** Float32 threshold: x <= threshold goes left (the "true" branch). */
  threshold: number[];
  /** The split's bin: bin <= splitBin goes left (same rows as the threshold test). */
  splitBin: number[];
  left: number[];
  right: number[];
  /** Leaf weight (learning rate applied, float32). */
  value: number[];
}

export interface TreeOptions {
  maxDepth: number;
  minSamplesLeaf: number;
  l2: number;
  learningRate: number;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
}

export function growTree(binned: BinnedMatrix, grad: Float64Array, hess: Float64Array, sample: Uint32Array, options: TreeOptions): Tree {
  const tree: Tree = { feature: [], threshold: [], splitBin: [], left: [], right: [], value: [] };
  const { cols, bins, offsets } = binned;
  const totalBins = offsets[cols]!;
  const rows = sample.slice();
  const scratch = new Uint32Array(rows.length);
  const { l2, minSamplesLeaf } = options;

  // Interleaved [gradient sum, hessian sum, row count] per bin.
  const histogram = (start: number, end: number): Float64Array => {
    const h = new Float64Array(totalBins * 3);
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const g = grad[r]!;
      const w = hess[r]!;
      const base = r * cols;
      for (let j = 0; j < cols; j++) {
        const k = 3 * (offsets[j]! + bins[base + j]!);
        h[k]! += g;
        h[k + 1]! += w;
        h[k + 2]! += 1;
      }
    }
    return h;
  };

  const bestSplit = (h: Float64Array, sumG: number, sumH: number, n: number): Split | null => {
    const parent = (sumG * sumG) / (sumH + l2);
    let best: Split | null = null;
    for (let j = 0; j < cols; j++) {
      let gl = 0;
      let hl = 0;
      let nl = 0;
      const last = offsets[j + 1]! - 1;
      for (let b = offsets[j]!; b < last; b++) {
        gl += h[3 * b]!;
        hl += h[3 * b + 1]!;
        nl += h[3 * b + 2]!;
        if (nl < minSamplesLeaf) continue;
        if (n - nl < minSamplesLeaf) break;
        const gr = sumG - gl;
        const hr = sumH - hl;
        const children = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2);
        const gain = children - parent;
        // Ignore gains at the level of rounding noise: they would only split identical predictions.
        if (gain > 1e-10 * (children + parent) + 1e-12 && (!best || gain > best.gain)) best = { gain, feature: j, bin: b - offsets[j]! };
      }
    }
    return best;
  };

  const addLeaf = (sumG: number, sumH: number): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.splitBin.push(0);
    tree.left.push(0);
    tree.right.push(0);
    tree.value.push(Math.fround((-sumG / (sumH + l2)) * options.learningRate));
    return tree.feature.length - 1;
  };

  const grow = (start: number, end: number, depth: number, h: Float64Array, sumG: number, sumH: number): number => {
    const n = end - start;
    const split = depth < options.maxDepth && n >= 2 * minSamplesLeaf ? bestSplit(h, sumG, sumH, n) : null;
    if (!split) return addLeaf(sumG, sumH);

    // Stable partition: left rows first, right rows after, both in their original order.
    let nl = 0;
    let nr = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      if (bins[r * cols + split.feature]! <= split.bin) rows[start + nl++] = r;
      else scratch[nr++] = r;
    }
    rows.set(scratch.subarray(0, nr), start + nl);
    const mid = start + nl;

    const leftIsSmaller = nl <= nr;
    const small = leftIsSmaller ? histogram(start, mid) : histogram(mid, end);
    const large = h;
    for (let k = 0; k < large.length; k++) large[k]! -= small[k]!;
    const [hLeft, hRight] = leftIsSmaller ? [small, large] : [large, small];
    let gLeft = 0;
    let wLeft = 0;
    for (let b = offsets[split.feature]!; b <= offsets[split.feature]! + split.bin; b++) {
      gLeft += hLeft[3 * b]!;
      wLeft += hLeft[3 * b + 1]!;
    }

    const id = tree.feature.length;
    tree.feature.push(split.feature);
    tree.threshold.push(binned.thresholds[split.feature]![split.bin]!);
    tree.splitBin.push(split.bin);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.left[id] = grow(start, mid, depth + 1, hLeft, gLeft, wLeft);
    tree.right[id] = grow(mid, end, depth + 1, hRight, sumG - gLeft, sumH - wLeft);
    return id;
  };

  let sumG = 0;
  let sumH = 0;
  for (const r of rows) {
    sumG += grad[r]!;
    sumH += hess[r]!;
  }
  grow(0, rows.length, 0, histogram(0, rows.length), sumG, sumH);
  return tree;
}

/** The leaf weight for the raw float32 row starting at x[offset] (what ONNX computes). */
export function treeValue(tree: Tree, x: Float32Array, offset: number): number {
  let k = 0;
  while (tree.feature[k]! >= 0) k = x[offset + tree.feature[k]!]! <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
  return tree.value[k]!;
}

/** The leaf weight for row r of the binned training matrix (same routing, faster during boosting). */
export function treeValueBinned(tree: Tree, binned: BinnedMatrix, r: number): number {
  let k = 0;
  const base = r * binned.cols;
  while (tree.feature[k]! >= 0) k = binned.bins[base + tree.feature[k]!]! <= tree.splitBin[k]! ? tree.left[k]! : tree.right[k]!;
  return tree.value[k]!;
}
