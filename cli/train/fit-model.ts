/**
 * Fits the chosen algorithm on an encoded matrix: the one call the final model and every cross-validation
 * fold go through, so tuning judges exactly what training would build.
 *
 * @example
 * const fit = fitModel('gbdt', 'regression', x, rows, width, y, spec.hyperparameters.gbdt, 42);
 * if (fit.ok) fit.model.score(x, rows);
 */
import { trainGbdt } from './gbdt-model.ts';
import { trainLinear, type ModelResult } from './linear-model.ts';
import type { GbdtHyperparameters, LinearHyperparameters, TrainingSpec } from './spec.ts';

export type AlgorithmChoice =
  | { algorithm: 'linear'; hyperparameters: LinearHyperparameters }
  | { algorithm: 'gbdt'; hyperparameters: GbdtHyperparameters };

export function fitModel(
  choice: AlgorithmChoice,
  task: TrainingSpec['task'],
  x: Float32Array,
  rows: number,
  width: number,
  y: Float64Array,
  seed: number,
): ModelResult {
  if (choice.algorithm === 'linear') return trainLinear(task, x, rows, width, y, choice.hyperparameters);
  return { ok: true, model: trainGbdt(task, x, rows, width, y, choice.hyperparameters, seed) };
}
