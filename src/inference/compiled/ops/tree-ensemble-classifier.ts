/**
 * ai.onnx.ml TreeEnsembleClassifier as ONNX Runtime computes it (TreeAggregatorClassifier): class scores summed
 * in float32 (float64 for double input), then its multiclass argmax, or for two classes its "binary case" —
 * labels and scores depend on which classes carry weights, whether all weights are positive, and how many base
 * values there are. Each score keeps whether any tree reached it (ScoreValue::has_score): an unreached score
 * reads as 0.
 */
import type { Tensor } from '../../../model/tensor.ts';
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { computeLogistic, computeProbit, isPostTransform, writeScores, type PostTransform } from '../ml-common.ts';
import {
  compileTreeEnsemble,
  comparisonValues,
  INTERLEAVED_ROWS,
  LEAF,
  type LeafWeightsByTarget,
  rowsAndWidth,
  sumLeafValues,
  type TreeEnsemble,
  weightsByTarget,
} from './tree-ensemble.ts';

const f = Math.fround;

/**
 * How the binary case writes its scores (ONNX Runtime's `add_second_class`): 0/1 all weights positive
 * (winning class positive/negative: [1 − s, s]), 2/3 mixed weights ([−s, s]), LOGISTIC for both
 * [logistic(−s), logistic(s)]; -1 writes s alone.
 */
type SecondClass = -1 | 0 | 1 | 2 | 3;

/**
 * write_scores for one binary score (`score` is 0 when no tree reached the class); returns how many of the
 * row's two columns it wrote.
 */
function writeBinaryScore(
  score: number,
  reached: boolean,
  transform: PostTransform,
  secondClass: SecondClass,
  out: Float32Array,
  at: number,
): number {
  // ScoreValue's unary minus gives +0 for an unreached score.
  const negative = reached ? -score : 0;
  if (transform === 'PROBIT') {
    out[at] = computeProbit(score);
    return 1;
  }
  switch (secondClass) {
    case 0:
    case 1:
    case 2:
    case 3:
      if (transform === 'LOGISTIC') {
        out[at] = computeLogistic(negative);
        out[at + 1] = computeLogistic(score);
      } else if (secondClass <= 1) {
        out[at] = f(1 - score);
        out[at + 1] = score;
      } else {
        out[at] = negative;
        out[at + 1] = score;
      }
      return 2;
    default:
      out[at] = score;
      return 1;
  }
}

/** Whether some tree gives class 1 a weight on every path, so every row scores class 1. */
function classOneAlwaysScored(e: TreeEnsemble): boolean {
  // Plain loops, no per-leaf allocations: this runs on a cold start (see compileTreeEnsemble).
  const seen = new Int32Array(e.modes.length).fill(-1);
  for (let t = 0; t < e.roots.length; t++) {
    if (everyLeafScoresClassOne(e, e.roots[t]!, t, seen)) return true;
  }
  return false;
}

/** Whether every leaf reachable from `root` has a class-1 weight; `seen[n] === t` marks nodes visited for it. */
function everyLeafScoresClassOne(e: TreeEnsemble, root: number, t: number, seen: Int32Array): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen[n] === t) continue;
    seen[n] = t;
    if (e.modes[n] !== LEAF) {
      stack.push(e.trueChild[n]!, e.falseChild[n]!);
      continue;
    }
    const first = e.leafFirstWeight[n]!;
    const end = first + e.leafWeightCount[n]!;
    let found = false;
    for (let k = first; k < end && !found; k++) found = e.weightTargets[k] === 1;
    if (!found) return false;
  }
  return true;
}

export const compileTreeEnsembleClassifier: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'string' || input.dtype === 'bool') return refuse(node, `reads ${input.dtype} input`);
  if (input.dims && input.dims.length !== 2) return refuse(node, `reads a rank-${input.dims.length} input (ONNX Runtime takes [N, F])`);
  const transform = node.string('post_transform', 'NONE');
  if (!isPostTransform(transform)) return refuse(node, `has post_transform "${transform}"`);
  const labelStrings = node.strings('classlabels_strings');
  const labelInts = node.bigints('classlabels_int64s');
  if (labelStrings.length > 0 && labelInts.length > 0) return refuse(node, 'has both classlabels_strings and classlabels_int64s');
  const classes = labelStrings.length > 0 ? labelStrings.length : labelInts.length;
  if (classes < 2)
    return refuse(node, `has ${classes} class label${classes === 1 ? '' : 's'} (single-class classifiers are not supported)`);
  const double = input.dtype === 'float64';
  const round = double ? (x: number) => x : Math.fround;
  const compiled = compileTreeEnsemble(
    node,
    { ids: 'class_ids', nodeIds: 'class_nodeids', treeIds: 'class_treeids', weights: 'class_weights' },
    classes,
  );
  if (!compiled.ok) return refuse(node, compiled.reason);
  const e = compiled.ensemble;
  const base = node.floats('base_values').map(round);
  if (classes > 2 ? base.length !== 0 && base.length !== classes : base.length > 2)
    return refuse(node, `has ${base.length} base_values for ${classes} classes`);

  // Whether every weight goes to one class, and none is negative: of class_ids and class_weights as written.
  const allPositive = e.noNegativeWeight;
  const binaryCase = classes === 2 && e.weightIdCount > 0 && e.oneWeightId;
  const trees = e.roots.length;
  // Where ONNX Runtime writes only the first of the two score columns, the second holds whatever its memory did.
  const firstColumnOnly = classes === 2 && base.length !== 2 && (transform === 'PROBIT' || (!binaryCase && base.length === 1));
  if (firstColumnOnly && !classOneAlwaysScored(e)) {
    return refuse(
      node,
      'is a binary classifier whose second score ONNX Runtime leaves unwritten for ' +
        'some rows (PROBIT or a single base value without class-1 weights on every path)',
    );
  }
  // The label of class index i; outside the binary case ONNX Runtime's binary labels are literally 1 and 0.
  const labelIndexOrValue = (i: number): bigint => (labelStrings.length > 0 ? BigInt(i) : labelInts[i]!);

  /** _set_score_binary: the label, and how the scores are written. */
  const binaryLabel = (s0: number, has0: boolean, s1: number, has1: boolean, secondClass: SecondClass): [bigint, SecondClass] => {
    const positive = has1 ? s1 : has0 ? s0 : 0;
    if (binaryCase) {
      if (allPositive) return positive > 0.5 ? [labelIndexOrValue(1), 0] : [labelIndexOrValue(0), 1];
      return positive > 0 ? [labelIndexOrValue(1), 2] : [labelIndexOrValue(0), 3];
    }
    return [positive > 0 ? 1n : 0n, secondClass];
  };

  /** Each class's leaf weights when every leaf weighs the same classes (found on the first batch). */
  let byClass: LeafWeightsByTarget | false | undefined;
  const denseWeights = () => (byClass ??= weightsByTarget(e) ?? false);

  /**
   * Where every leaf weighs one and the same class (binary GBDT exports), float32 rows on complete trees: that
   * class's scores, summed during the walk (TreeEnsemble.batchSums); null otherwise.
   */
  const walkedScores = (x: Float32Array | Float64Array, rows: number, width: number): { scores: Float64Array; has: Uint8Array } | null => {
    // Checked first: a cold isolate's first rows must not pay for finding the dense weights.
    if (!(x instanceof Float32Array) || trees === 0 || !e.maySum(rows)) return null;
    const dense = denseWeights();
    if (dense === false || dense.targets.length !== 1) return null;
    const acc = e.sums(rows);
    if (!e.batchSums(x, rows, width, dense.values[0]!, acc)) return null;
    const scores = new Float64Array(rows * classes);
    const has = new Uint8Array(rows * classes);
    const j = dense.targets[0]!;
    for (let r = 0; r < rows; r++) {
      scores[r * classes + j] = acc[r]!;
      has[r * classes + j] = 1;
    }
    return { scores, has };
  };

  /**
   * Every row's class scores from a batch's leaves (batchLeaves), tree by tree so the leaves are read in order;
   * each row and class still adds its trees' weights in the order a row-by-row walk does.
   */
  const batchScores = (leaves: Int32Array, rows: number): { scores: Float64Array; has: Uint8Array } => {
    const scores = new Float64Array(rows * classes);
    const has = new Uint8Array(rows * classes);
    const { leafFirstWeight, leafWeightCount, weightTargets, weightValues } = e;
    const dense = rows >= INTERLEAVED_ROWS && denseWeights();
    if (dense && trees > 0) {
      // Every leaf weighs the same classes (a GBDT's trees): each one's score is a sum of leaf values (a pass per
      // class, which pays off from a few rows on; a single row reads its leaves' weights directly).
      for (let k = 0; k < dense.targets.length; k++) {
        const j = dense.targets[k]!;
        const sums = sumLeafValues(dense.values[k]!, leaves, trees, rows, double, e.sums(rows));
        for (let r = 0; r < rows; r++) {
          scores[r * classes + j] = sums[r]!;
          has[r * classes + j] = 1;
        }
      }
      return { scores, has };
    }
    for (let t = 0; t < trees; t++) {
      const at = t * rows;
      for (let r = 0; r < rows; r++) {
        const leaf = leaves[at + r]!;
        const first = leafFirstWeight[leaf]!;
        const end = first + leafWeightCount[leaf]!;
        for (let k = first; k < end; k++) {
          const i = r * classes + weightTargets[k]!;
          scores[i] = round(scores[i]! + weightValues[k]!);
          has[i] = 1;
        }
      }
    }
    return { scores, has };
  };

  return {
    ok: true,
    outputs: [
      { dtype: labelStrings.length > 0 ? 'string' : 'int64', dims: [input.dims?.[0] ?? null] },
      { dtype: 'float32', dims: [input.dims?.[0] ?? null, classes] },
    ],
    run: ([x]) => {
      const shape = rowsAndWidth(x!);
      if (!shape) throw new KernelRunError(node, `takes a [N, F] input, got [${x!.dims.join(', ')}]`);
      if (shape.width <= e.maxFeatureId)
        throw new KernelRunError(node, `reads feature ${e.maxFeatureId} of rows with ${shape.width} features`);
      const { rows, width } = shape;
      const values = comparisonValues(x!);
      const labels = new BigInt64Array(rows);
      const out = new Float32Array(rows * classes);
      const scores = new Float64Array(classes);
      const has = new Uint8Array(classes);
      const addLeaf = (leaf: number) => {
        const first = e.leafFirstWeight[leaf]!;
        const end = first + e.leafWeightCount[leaf]!;
        for (let k = first; k < end; k++) {
          const j = e.weightTargets[k]!;
          scores[j] = round(scores[j]! + e.weightValues[k]!);
          has[j] = 1;
        }
      };
      const walked = walkedScores(values, rows, width);
      const leaves = walked ? null : (e.batchLeaves?.(values, rows, width) ?? null);
      const batch = walked ?? (leaves ? batchScores(leaves, rows) : null);
      for (let r = 0; r < rows; r++) {
        if (batch) {
          for (let j = 0; j < classes; j++) {
            scores[j] = batch.scores[r * classes + j]!;
            has[j] = batch.has[r * classes + j]!;
          }
        } else {
          scores.fill(0);
          has.fill(0);
          for (let t = 0; t < trees; t++) addLeaf(e.leafFor(e.roots[t]!, values, r * width));
        }
        const at = r * classes;
        if (classes > 2) {
          for (let k = 0; k < base.length; k++) {
            scores[k] = has[k] ? round(scores[k]! + base[k]!) : base[k]!;
            has[k] = 1;
          }
          let best = -1;
          let bestScore = 0;
          for (let k = 0; k < classes; k++) {
            if (has[k] && (best === -1 || scores[k]! > bestScore)) {
              best = k;
              bestScore = scores[k]!;
            }
          }
          labels[r] = labelIndexOrValue(Math.max(best, 0));
          for (let k = 0; k < classes; k++) out[at + k] = has[k] ? f(scores[k]!) : 0;
          writeScores(out, at, classes, transform);
          continue;
        }
        // Binary case (ONNX Runtime's FinalizeScores for two classes).
        let secondClass: SecondClass = -1;
        let keepBoth = true;
        if (base.length === 2) {
          if (has[1]) {
            // ONNX Runtime drops the class-1 sum here: base_values[1] + the class-0 score.
            scores[1] = round(base[1]! + scores[0]!);
            scores[0] = -scores[1]!;
            has[1] = 1;
          } else {
            scores[1] = round(scores[1]! + base[1]!);
            scores[0] = round(scores[0]! + base[0]!);
          }
        } else if (base.length === 1) {
          scores[0] = round(scores[0]! + base[0]!);
          if (!has[1]) keepBoth = false;
        } else {
          secondClass = 3;
          if (!has[1]) keepBoth = false;
        }
        const [label, written] =
          keepBoth && has[1]
            ? binaryLabel(scores[0]!, has[0] === 1, scores[1]!, true, secondClass)
            : binaryLabel(scores[0]!, has[0] === 1, 0, false, secondClass);
        labels[r] = label;
        const read0 = has[0] ? f(scores[0]!) : 0;
        if (keepBoth) {
          out[at] = read0;
          out[at + 1] = has[1] ? f(scores[1]!) : 0;
          writeScores(out, at, 2, transform);
        } else {
          writeBinaryScore(read0, has[0] === 1, transform, written, out, at);
        }
      }
      const dims = [rows];
      const label: Tensor =
        labelStrings.length > 0
          ? { dtype: 'string', data: Array.from(labels, (i) => labelStrings[Number(i)] ?? ''), dims }
          : { dtype: 'int64', data: labels, dims };
      return [label, { dtype: 'float32', data: out, dims: [rows, classes] }];
    },
  };
};
