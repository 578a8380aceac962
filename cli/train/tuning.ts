/**
 * Hyperparameter tuning for `vigil train`: the spec's grid for the chosen algorithm, cross-validated on the
 * training split only (the holdout stays unseen until the final model is measured). Each fold plans its own
 * encoding from its training rows — imputation medians, one-hot categories — exactly as training does for
 * the whole split, so no fold learns anything from the rows it is measured on.
 *
 * @example
 * const tuned = tuneHyperparameters({ spec, algorithm: 'gbdt', features, rows: trainRows, targets: yTrain, seed: 42 });
 * if (tuned.ok) fitModel(tuned.choice, ...);
 */
import { compileEncoder } from '../../src/model/encoding.ts';
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import { planEncoding } from './encoding-plan.ts';
import { primaryMetric, primaryMetricOf } from './evaluate.ts';
import { fitModel, type AlgorithmChoice } from './fit-model.ts';
import { gridCandidates, gridSearch, type Candidate, type FoldSplit, type GridSearchInput, type Tuning } from './grid-search.ts';
import { GbdtHyperparametersSchema, LinearHyperparametersSchema, type TrainingSpec } from './spec.ts';

export interface TuningInput {
  spec: TrainingSpec;
  algorithm: 'linear' | 'gbdt';
  features: readonly FeatureSchemaSpec[];
  /** The training split's validated rows and targets. */
  rows: readonly Row[];
  targets: Float64Array;
  seed: number;
  onCandidate?: GridSearchInput['onCandidate'];
}

export type TuningResult = { ok: true; choice: AlgorithmChoice; tuning?: Tuning } | { ok: false; error: string };

/** The spec's hyperparameters with a candidate's values in place. */
export function choiceWith(spec: TrainingSpec, algorithm: 'linear' | 'gbdt', candidate: Candidate): AlgorithmChoice {
  return algorithm === 'linear'
    ? { algorithm, hyperparameters: LinearHyperparametersSchema.parse({ ...spec.hyperparameters.linear, ...candidate }) }
    : { algorithm, hyperparameters: GbdtHyperparametersSchema.parse({ ...spec.hyperparameters.gbdt, ...candidate }) };
}

/** The spec's hyperparameters as written when it has no grid for the algorithm; else the grid's winner and the record of the search. */
export function tuneHyperparameters(input: TuningInput): TuningResult {
  const { spec, algorithm } = input;
  const grid = spec.tuning?.[algorithm];
  if (!grid) return { ok: true, choice: choiceWith(spec, algorithm, {}) };

  interface FoldData {
    x: Float32Array;
    y: Float64Array;
    xValid: Float32Array;
    yValid: Float64Array;
    width: number;
  }
  const prepared = new Map<number, FoldData | string>();
  const prepare = (split: FoldSplit): FoldData | string => {
    const trainRows = Array.from(split.train, (r) => input.rows[r]!);
    const plan = planEncoding(input.features, trainRows);
    if (!plan.ok) return plan.errors.join('; ');
    const encoder = compileEncoder({ features: input.features, encoding: plan.encoding });
    return {
      x: encoder.encode(trainRows),
      y: Float64Array.from(split.train, (r) => input.targets[r]!),
      xValid: encoder.encode(Array.from(split.valid, (r) => input.rows[r]!)),
      yValid: Float64Array.from(split.valid, (r) => input.targets[r]!),
      width: encoder.width,
    };
  };

  const { primary, higher_is_better } = primaryMetricOf(spec.task);
  const result = gridSearch({
    candidates: gridCandidates(grid.grid),
    folds: grid.folds,
    seed: input.seed,
    rows: input.rows.length,
    metric: primary,
    higherIsBetter: higher_is_better,
    ...(input.onCandidate ? { onCandidate: input.onCandidate } : {}),
    evaluate(candidate, split, k) {
      if (!prepared.has(k)) prepared.set(k, prepare(split));
      const data = prepared.get(k)!;
      if (typeof data === 'string') return { ok: false, error: data };
      const fit = fitModel(choiceWith(spec, algorithm, candidate), spec.task, data.x, split.train.length, data.width, data.y, input.seed);
      if (!fit.ok) return fit;
      const value = primaryMetric(spec.task, data.yValid, fit.model.score(data.xValid, split.valid.length));
      if (value === null) return { ok: false, error: `the ${split.valid.length} rows measured on hold one class only (use fewer folds)` };
      return { ok: true, value };
    },
  });
  if (!result.ok) return result;
  return { ok: true, choice: choiceWith(spec, algorithm, result.best), tuning: result.tuning };
}
