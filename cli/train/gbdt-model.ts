/**
 * Trains the gradient-boosted trees of a task and wraps them as a TrainedModel.
 *
 * @example
 * const model = trainGbdt('binary_classification', x, rows, width, labels01, spec.hyperparameters.gbdt, 42);
 * model.score(x, rows); // positive-class probabilities
 */
import { boost, ensembleMargin } from './gbdt/boost.ts';
import { sigmoid } from './logistic.ts';
import type { TrainedModel } from './model.ts';
import { treeEnsembleGraph } from './onnx/tree-ensemble-graph.ts';
import type { GbdtHyperparameters, TrainingSpec } from './spec.ts';

export function trainGbdt(
  task: TrainingSpec['task'],
  x: Float32Array,
  rows: number,
  width: number,
  y: Float64Array,
  hp: GbdtHyperparameters,
  seed: number,
): TrainedModel {
  const ensemble = boost(x, rows, width, y, task === 'regression' ? 'squared_error' : 'log_loss', hp, seed);
  const link = task === 'regression' ? (v: number) => v : sigmoid;
  const nodes = ensemble.trees.reduce((sum, t) => sum + t.feature.length, 0);
  return {
    algorithm: 'gbdt',
    hyperparameters: { ...hp, loss: ensemble.loss },
    fitNote: `${ensemble.trees.length} trees, ${nodes} nodes`,
    score(input, n) {
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) out[r] = link(ensembleMargin(ensemble, input, r * width));
      return out;
    },
    toOnnx: (names) => treeEnsembleGraph(names, ensemble),
  };
}
