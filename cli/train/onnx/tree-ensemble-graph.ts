/**
 * ONNX export of a boosted ensemble with ai.onnx.ml (opset 3) tree operators.
 *
 * Regression: TreeEnsembleRegressor, base_values = [base], output "variable" [N, 1].
 *
 * Binary classification: TreeEnsembleClassifier with classes [0, 1] and SOFTMAX, every leaf weight w
 * split as -w/2 for class 0 and +w/2 for class 1, so softmax(-F/2, F/2) = [1 - σ(F), σ(F)]: probabilities
 * that sum to 1 (class-1-only weights with LOGISTIC would give each class its own sigmoid). The base margin
 * is folded into the first tree's leaves instead of base_values: with two classes and two base_values,
 * ONNX Runtime (checked on 1.30) rewrites the scores as [-(b1 + s0), b1 + s0], ignoring the class-1 sums
 * — a sklearn-compatibility shortcut that would turn our probabilities around.
 *
 * @example
 * const bytes = treeEnsembleGraph(names, ensemble);
 */
import type { Ensemble } from '../gbdt/boost.ts';
import type { Tree } from '../gbdt/tree.ts';
import { PROBABILITIES_OUTPUT, REGRESSION_OUTPUT, type GraphNames } from './linear-graph.ts';
import { attr, encodeModel, FLOAT, INT64, node, tensorInfo, type Attribute } from '../../onnx/proto.ts';

export const LABEL_OUTPUT = 'label';

export function treeEnsembleGraph(names: GraphNames, ensemble: Ensemble): Uint8Array {
  // An empty ensemble still needs one tree for the operator; a single leaf of weight 0 adds nothing.
  const trees: Tree[] =
    ensemble.trees.length > 0 ? ensemble.trees : [{ feature: [-1], threshold: [0], splitBin: [0], left: [0], right: [0], value: [0] }];
  const structure = nodeAttributes(trees);
  const input = tensorInfo(names.inputName, FLOAT, ['N', ensemble.width]);

  if (ensemble.loss === 'squared_error') {
    const leaves = leafEntries(trees, (_t, w) => [[0, w]]);
    return encodeModel({
      graphName: names.graphName,
      producerVersion: names.producerVersion,
      usesMl: true,
      inputs: [input],
      outputs: [tensorInfo(REGRESSION_OUTPUT, FLOAT, ['N', 1])],
      nodes: [
        node('TreeEnsembleRegressor', [names.inputName], [REGRESSION_OUTPUT], {
          domain: 'ai.onnx.ml',
          attributes: [
            ...structure,
            attr.ints('target_treeids', leaves.treeIds),
            attr.ints('target_nodeids', leaves.nodeIds),
            attr.ints('target_ids', leaves.classIds),
            attr.floats('target_weights', leaves.weights),
            attr.int('n_targets', 1),
            attr.floats('base_values', [ensemble.base]),
            attr.string('aggregate_function', 'SUM'),
            attr.string('post_transform', 'NONE'),
          ],
        }),
      ],
    });
  }

  const leaves = leafEntries(trees, (t, w) => {
    const margin = t === 0 ? w + ensemble.base : w;
    return [
      [0, -margin / 2],
      [1, margin / 2],
    ];
  });
  return encodeModel({
    graphName: names.graphName,
    producerVersion: names.producerVersion,
    usesMl: true,
    inputs: [input],
    outputs: [tensorInfo(LABEL_OUTPUT, INT64, ['N']), tensorInfo(PROBABILITIES_OUTPUT, FLOAT, ['N', 2])],
    nodes: [
      node('TreeEnsembleClassifier', [names.inputName], [LABEL_OUTPUT, PROBABILITIES_OUTPUT], {
        domain: 'ai.onnx.ml',
        attributes: [
          ...structure,
          attr.ints('class_treeids', leaves.treeIds),
          attr.ints('class_nodeids', leaves.nodeIds),
          attr.ints('class_ids', leaves.classIds),
          attr.floats('class_weights', leaves.weights),
          attr.ints('classlabels_int64s', [0, 1]),
          attr.string('post_transform', 'SOFTMAX'),
        ],
      }),
    ],
  });
}

function nodeAttributes(trees: readonly Tree[]): Attribute[] {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  trees.forEach((tree, t) => {
    tree.feature.forEach((feature, k) => {
      const leaf = feature < 0;
      treeIds.push(t);
      nodeIds.push(k);
      featureIds.push(leaf ? 0 : feature);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      values.push(leaf ? 0 : tree.threshold[k]!);
      trueIds.push(leaf ? 0 : tree.left[k]!);
      falseIds.push(leaf ? 0 : tree.right[k]!);
    });
  });
  return [
    attr.ints('nodes_treeids', treeIds),
    attr.ints('nodes_nodeids', nodeIds),
    attr.ints('nodes_featureids', featureIds),
    attr.strings('nodes_modes', modes),
    attr.floats('nodes_values', values),
    attr.ints('nodes_truenodeids', trueIds),
    attr.ints('nodes_falsenodeids', falseIds),
  ];
}

/** One entry per (leaf, class or target) pair with its weight. */
function leafEntries(trees: readonly Tree[], weightsOf: (tree: number, leafWeight: number) => [number, number][]) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const classIds: number[] = [];
  const weights: number[] = [];
  trees.forEach((tree, t) => {
    tree.feature.forEach((feature, k) => {
      if (feature >= 0) return;
      for (const [id, w] of weightsOf(t, tree.value[k]!)) {
        treeIds.push(t);
        nodeIds.push(k);
        classIds.push(id);
        weights.push(w);
      }
    });
  });
  return { treeIds, nodeIds, classIds, weights };
}
