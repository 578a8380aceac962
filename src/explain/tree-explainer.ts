/**
 * TreeSHAP for an ai.onnx.ml TreeEnsembleRegressor or TreeEnsembleClassifier: contributions in the ensemble's
 * raw score space, per target or class, before its post_transform.
 *
 * The raw score of output k is the sum of the leaf weights for k over the trees (divided by the number of trees
 * for AVERAGE) plus the base value ONNX Runtime adds to it: base_values[k] when there is one per target or class;
 * for two classes with a single base value, base_values[0] goes to class 0. A binary classifier whose weights all
 * go to one class (XGBoost, LightGBM and scikit-learn exports) has one score, the margin of the positive class
 * (ONNX Runtime's "binary case"), so one output named after labels[1]. Refused (sampling then stands in): MIN and
 * MAX aggregation, and a binary classifier with two base values (ONNX Runtime then drops the class-1 sums).
 *
 * @example
 * const built = compileTreeExplainer(estimator, context);
 * if (built.ok) built.explainer.explain(rows)[0].contributions; // { median_income: [41234.5], … }
 */
import { compileTreeEnsemble, comparisonValues } from '../inference/compiled/ops/tree-ensemble.ts';
import type { Row } from '../model/instance-validator.ts';
import type { EstimatorRows } from './estimator-input.ts';
import type { Explainer, ExplainerInfo, Explanation } from './explanation.ts';
import type { TreeEstimator } from './find-estimator.ts';
import { buildShapForest, type CoverSource } from './shap-forest.ts';
import { expectedValues, treeShap, treeShapScratch, type ShapForest } from './tree-shap.ts';

export interface ExactContext {
  readonly features: readonly string[];
  /** Player (feature index) of each column of the estimator's input; negative when no single feature feeds it. */
  readonly players: Int32Array;
  readonly input: (rows: readonly Row[]) => EstimatorRows;
  /** Rows for the cover (trees) or E[x] (linear), when the statistics do not give them directly. */
  readonly background: readonly Row[];
  readonly reference: ExplainerInfo['reference'];
  /** Names of K scores: manifest labels for classifiers, 'value' for regression; or why K does not fit. */
  readonly outputNames: (scores: number) => string[] | { reason: string };
}

export type CompileExactResult = { ok: true; explainer: Explainer } | { ok: false; reason: string };

interface RawScores {
  outputs: number;
  /** Added to every score (the ensemble's base values as ONNX Runtime applies them). */
  offset: Float64Array;
  leafWeight: (target: number, value: number, index: number, into: Float64Array, at: number) => void;
}

export function compileTreeExplainer(estimator: TreeEstimator, context: ExactContext): CompileExactResult {
  const node = estimator.node;
  const refuse = (why: string): CompileExactResult => ({ ok: false, reason: `${node.label} ${why}` });
  if (context.background.length === 0) return refuse('needs background rows for its cover');
  const backgroundInput = context.input(context.background);
  const double = backgroundInput.tensor.dtype === 'float64';
  const round = double ? (v: number) => v : Math.fround;
  const base = node.floats('base_values').map(round);

  const classes = Math.max(node.strings('classlabels_strings').length, node.ints('classlabels_int64s').length);
  if (estimator.classifier && classes < 2) return refuse(`has ${classes} class label${classes === 1 ? '' : 's'}`);
  const targetCount = estimator.classifier ? classes : node.int('n_targets', 1);
  if (targetCount <= 0) return refuse(`has n_targets ${targetCount}`);
  const weights = estimator.classifier
    ? { ids: 'class_ids', nodeIds: 'class_nodeids', treeIds: 'class_treeids', weights: 'class_weights' }
    : { ids: 'target_ids', nodeIds: 'target_nodeids', treeIds: 'target_treeids', weights: 'target_weights' };
  const compiled = compileTreeEnsemble(node, weights, targetCount);
  if (!compiled.ok) return refuse(compiled.reason);
  const ensemble = compiled.ensemble;

  let scores: RawScores;
  if (!estimator.classifier) {
    const aggregate = node.string('aggregate_function', 'SUM');
    if (aggregate !== 'SUM' && aggregate !== 'AVERAGE') return refuse(`aggregates trees by ${aggregate}, which is not additive`);
    const targets = targetCount;
    // ONNX Runtime divides by its tree count: one tree wherever the tree id changes.
    const scale = aggregate === 'AVERAGE' ? 1 / ensemble.roots.length : 1;
    scores = {
      outputs: targets,
      offset: Float64Array.from({ length: targets }, (_, k) => (base.length === targets ? base[k]! : 0)),
      // One target: ONNX Runtime adds each leaf's first weight, whatever its target id.
      leafWeight: (target, value, index, into, at) => {
        if (targets === 1 ? index === 0 : target >= 0 && target < targets) into[at + (targets === 1 ? 0 : target)]! += value * scale;
      },
    };
  } else {
    const weighted = new Set(node.ints('class_ids'));
    if (classes === 2 && base.length === 2)
      return refuse('is a binary classifier with two base values (ONNX Runtime then replaces the class-1 score)');
    if (classes === 2 && weighted.size === 1) {
      const only = [...weighted][0]!;
      scores = {
        outputs: 1,
        offset: Float64Array.of(only === 0 && base.length === 1 ? base[0]! : 0),
        leafWeight: (target, value, _index, into, at) => {
          if (target === only) into[at]! += value;
        },
      };
    } else {
      scores = {
        outputs: classes,
        offset: Float64Array.from({ length: classes }, (_, k) =>
          classes === 2 ? (k === 0 && base.length === 1 ? base[0]! : 0) : base.length === classes ? base[k]! : 0,
        ),
        leafWeight: (target, value, _index, into, at) => {
          if (target >= 0 && target < classes) into[at + target]! += value;
        },
      };
    }
  }

  // One score for two classes (the binary case) is the positive class's margin: outputNames names it labels[1].
  const names = context.outputNames(scores.outputs);
  if (!Array.isArray(names)) return refuse(names.reason);

  const hitrates = node.floats('nodes_hitrates');
  const graphCover =
    hitrates.length === ensemble.modes.length && hitrates.every((h) => Number.isFinite(h) && h >= 0) && hitrates.some((h) => h > 0);
  const cover: CoverSource = graphCover
    ? { kind: 'graph', hitrates }
    : {
        kind: 'background rows',
        x: comparisonValues(backgroundInput.tensor),
        rows: context.background.length,
        width: backgroundInput.width,
      };
  const built = buildShapForest({
    ensemble,
    modes: node.strings('nodes_modes'),
    players: context.players,
    playerCount: context.features.length,
    outputs: scores.outputs,
    leafWeight: scores.leafWeight,
    cover,
  });
  if (!built.ok) return refuse(built.reason);
  const forest = built.forest;
  const expected = expectedValues(forest);
  const baseValue = Array.from(expected, (v, k) => v + scores.offset[k]!);

  const info: ExplainerInfo = {
    method: 'tree_shap',
    space: 'raw',
    outputs: names,
    transform: estimator.transform,
    cover: cover.kind,
    reference: graphCover ? 'graph' : context.reference,
    background_rows: graphCover ? 0 : context.background.length,
  };
  return {
    ok: true,
    explainer: {
      info,
      features: context.features,
      explain(rows) {
        if (rows.length === 0) return [];
        const { tensor, width } = context.input(rows);
        const x = comparisonValues(tensor);
        const scratch = treeShapScratch(forest);
        const K = forest.outputs;
        const phi = new Float64Array(forest.players * K);
        return rows.map((_, r): Explanation => {
          phi.fill(0);
          treeShap(forest, x, r * width, phi, scratch);
          const prediction = rawScores(forest, x, r * width, scores.offset);
          const contributions: Record<string, number[]> = {};
          context.features.forEach((name, j) => (contributions[name] = Array.from(phi.subarray(j * K, (j + 1) * K))));
          return { method: 'tree_shap', space: 'raw', outputs: names, prediction, base_value: [...baseValue], contributions };
        });
      },
    },
  };
}

/** The raw scores of one row: the leaves it reaches, summed, plus the offsets. */
function rawScores(forest: ShapForest, x: ArrayLike<number>, offset: number, offsets: Float64Array): number[] {
  const K = forest.outputs;
  const out = Array.from(offsets);
  for (const root of forest.roots) {
    let n = root;
    while (forest.player[n]! >= 0) n = forest.goesTrue(n, x, offset) ? forest.trueChild[n]! : forest.falseChild[n]!;
    for (let k = 0; k < K; k++) out[k]! += forest.leafValues[n * K + k]!;
  }
  return out;
}
