/**
 * Trains the linear model of a task: ridge regression, or logistic regression for a binary task.
 *
 * @example
 * const result = trainLinear('regression', x, rows, width, y, spec.hyperparameters.linear);
 * if (result.ok) await writeFile('model.onnx', result.model.toOnnx(names));
 */
import { fitLogistic, sigmoid } from './logistic.ts';
import type { TrainedModel } from './model.ts';
import { linearRegressionGraph, logisticRegressionGraph } from './onnx/linear-graph.ts';
import { fitRidge, type LinearWeights } from './ridge.ts';
import type { LinearHyperparameters, TrainingSpec } from './spec.ts';

export type ModelResult = { ok: true; model: TrainedModel } | { ok: false; error: string };

export function trainLinear(
  task: TrainingSpec['task'],
  x: Float32Array,
  rows: number,
  width: number,
  y: Float64Array,
  hp: LinearHyperparameters,
): ModelResult {
  if (task === 'regression') {
    const fit = fitRidge(x, rows, width, y, hp.l2);
    if (!fit) return { ok: false, error: 'the normal equations are singular; raise hyperparameters.linear.l2' };
    return {
      ok: true,
      model: {
        algorithm: 'linear',
        hyperparameters: { l2: hp.l2, solver: 'cholesky' },
        fitNote: 'ridge closed form',
        score: (input, n) => linearScores(fit, input, n, (v) => v),
        toOnnx: (names) => linearRegressionGraph(names, fit.weights, fit.bias),
      },
    };
  }
  const result = fitLogistic(x, rows, width, y, hp);
  if (!result.ok) return result;
  const fit = result.fit;
  return {
    ok: true,
    model: {
      algorithm: 'logistic',
      hyperparameters: { l2: hp.l2, solver: 'newton', max_iterations: hp.max_iterations, tolerance: hp.tolerance },
      fitNote: `Newton steps: ${result.iterations}${result.iterations === hp.max_iterations ? ' (did not converge)' : ''}`,
      score: (input, n) => linearScores(fit, input, n, sigmoid),
      toOnnx: (names) => logisticRegressionGraph(names, fit.weights, fit.bias),
    },
  };
}

function linearScores(fit: LinearWeights, x: Float32Array, rows: number, link: (v: number) => number): Float64Array {
  const width = fit.weights.length;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let v = fit.bias;
    for (let j = 0; j < width; j++) v += x[r * width + j]! * fit.weights[j]!;
    out[r] = link(v);
  }
  return out;
}
