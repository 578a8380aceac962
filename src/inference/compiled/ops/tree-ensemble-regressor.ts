/**
 * ai.onnx.ml TreeEnsembleRegressor as ONNX Runtime computes it (TreeAggregatorSum/Average/Min/Max): scores
 * accumulate in float32 (float64 for double input) tree by tree, base values are added at the end, and a single
 * target only ever sees PROBIT among the post transforms.
 */
import type { Tensor } from '../../../model/tensor.ts';
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { computeProbit, isPostTransform, writeScores } from '../ml-common.ts';
import { compileTreeEnsemble, comparisonValues, rowsAndWidth, sumLeafValues } from './tree-ensemble.ts';

const AGGREGATES = ['SUM', 'AVERAGE', 'MIN', 'MAX'] as const;
type Aggregate = (typeof AGGREGATES)[number];

export const compileTreeEnsembleRegressor: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    return refuse(node, `reads ${input.dtype} input (ONNX Runtime takes float32 or float64)`);
  if (input.dims && input.dims.length !== 2) return refuse(node, `reads a rank-${input.dims.length} input (ONNX Runtime takes [N, F])`);
  const targets = node.int('n_targets', 0);
  if (targets <= 0) return refuse(node, `has n_targets ${targets}`);
  const aggregate = node.string('aggregate_function', 'SUM');
  if (!(AGGREGATES as readonly string[]).includes(aggregate)) return refuse(node, `has aggregate_function "${aggregate}"`);
  const transform = node.string('post_transform', 'NONE');
  if (!isPostTransform(transform)) return refuse(node, `has post_transform "${transform}"`);
  const double = input.dtype === 'float64';
  const round = double ? (x: number) => x : Math.fround;
  const compiled = compileTreeEnsemble(
    node,
    { ids: 'target_ids', nodeIds: 'target_nodeids', treeIds: 'target_treeids', weights: 'target_weights' },
    targets,
  );
  if (!compiled.ok) return refuse(node, compiled.reason);
  const e = compiled.ensemble;
  const base = node.floats('base_values').map(round);
  if (base.length !== 0 && base.length !== targets)
    return refuse(node, `has ${base.length} base_values for ${targets} targets (ONNX Runtime takes 0 or ${targets})`);
  const trees = e.roots.length;
  const agg = aggregate as Aggregate;

  const sum = agg === 'SUM' || agg === 'AVERAGE';
  const origin = base.length === 1 ? base[0]! : 0;
  const finish = (score: number, has: boolean): number => {
    if (agg === 'SUM') score = round(score + origin);
    else if (agg === 'AVERAGE') score = round(round(score / trees) + origin);
    else score = has ? round(score + origin) : origin;
    return transform === 'PROBIT' ? computeProbit(Math.fround(score)) : Math.fround(score);
  };
  // One target: ONNX Runtime uses a leaf's first weight, whatever its target id.
  /** Tree by tree over a batch: each row still adds its trees in order, reading the leaves sequentially. */
  const runBatch = (leaves: Int32Array, rows: number, out: Float32Array) => {
    if (sum) {
      const acc = sumLeafValues(e.leafValues, leaves, trees, rows, double, e.sums(rows));
      for (let r = 0; r < rows; r++) out[r] = finish(acc[r]!, trees > 0);
      return;
    }
    const { leafValues } = e;
    const acc = e.sums(rows);
    for (let t = 0; t < trees; t++) {
      const at = t * rows;
      if (agg === 'MIN')
        for (let r = 0; r < rows; r++) {
          const w = leafValues[leaves[at + r]!]!;
          acc[r] = t === 0 || w < acc[r]! ? w : acc[r]!;
        }
      else
        for (let r = 0; r < rows; r++) {
          const w = leafValues[leaves[at + r]!]!;
          acc[r] = t === 0 || w > acc[r]! ? w : acc[r]!;
        }
    }
    for (let r = 0; r < rows; r++) out[r] = finish(acc[r]!, trees > 0);
  };

  const runRows = (x: Float32Array | Float64Array, rows: number, width: number, out: Float32Array) => {
    const { roots, leafValues, leafFor } = e;
    for (let r = 0; r < rows; r++) {
      const offset = r * width;
      let score = 0;
      let has = false;
      for (let t = 0; t < trees; t++) {
        const w = leafValues[leafFor(roots[t]!, x, offset)]!;
        if (sum) score = round(score + w);
        else if (agg === 'MIN') score = !has || w < score ? w : score;
        else score = !has || w > score ? w : score;
        has = true;
      }
      out[r] = finish(score, has);
    }
  };

  const runOne = (x: Float32Array | Float64Array, rows: number, width: number, out: Float32Array) => {
    if (sum && x instanceof Float32Array) {
      const acc = e.sums(rows);
      if (e.batchSums(x, rows, width, e.leafValues, acc)) {
        for (let r = 0; r < rows; r++) out[r] = finish(acc[r]!, trees > 0);
        return;
      }
    }
    const leaves = e.batchLeaves?.(x, rows, width) ?? null;
    if (leaves) runBatch(leaves, rows, out);
    else runRows(x, rows, width, out);
  };

  const runMany = (x: Float32Array | Float64Array, rows: number, width: number, out: Float32Array) => {
    const scores = new Float64Array(targets);
    const has = new Uint8Array(targets);
    const useBase = base.length === targets;
    const leaves = e.batchLeaves?.(x, rows, width) ?? null;
    for (let r = 0; r < rows; r++) {
      const offset = r * width;
      scores.fill(0);
      has.fill(0);
      for (let t = 0; t < trees; t++) {
        const leaf = leaves !== null ? leaves[t * rows + r]! : e.leafFor(e.roots[t]!, x, offset);
        const first = e.leafFirstWeight[leaf]!;
        const end = first + e.leafWeightCount[leaf]!;
        for (let k = first; k < end; k++) {
          const j = e.weightTargets[k]!;
          const w = e.weightValues[k]!;
          if (agg === 'SUM' || agg === 'AVERAGE') scores[j] = round(scores[j]! + w);
          else if (agg === 'MIN') scores[j] = !has[j] || w < scores[j]! ? w : scores[j]!;
          else scores[j] = !has[j] || w > scores[j]! ? w : scores[j]!;
          has[j] = 1;
        }
      }
      for (let j = 0; j < targets; j++) {
        let s = scores[j]!;
        if (agg === 'SUM') s = useBase ? round(s + base[j]!) : s;
        else if (agg === 'AVERAGE') s = useBase ? round(round(s / trees) + base[j]!) : round(s / trees);
        else s = round((useBase ? base[j]! : 0) + (has[j] ? s : 0));
        // A target no tree reached reads as 0 (ScoreValue without has_score), base value or not.
        out[r * targets + j] = has[j] ? s : 0;
      }
      writeScores(out, r * targets, targets, transform);
    }
  };

  return {
    ok: true,
    outputs: [{ dtype: 'float32', dims: [input.dims?.[0] ?? null, targets] }],
    run: ([x]) => {
      const shape = rowsAndWidth(x!);
      if (!shape) throw new KernelRunError(node, `takes a [N, F] input, got [${x!.dims.join(', ')}]`);
      if (shape.width <= e.maxFeatureId)
        throw new KernelRunError(node, `reads feature ${e.maxFeatureId} of rows with ${shape.width} features`);
      const out = new Float32Array(shape.rows * targets);
      const values = comparisonValues(x!);
      if (targets === 1) runOne(values, shape.rows, shape.width, out);
      else runMany(values, shape.rows, shape.width, out);
      return [{ dtype: 'float32', data: out, dims: [shape.rows, targets] } satisfies Tensor];
    },
  };
};
