/**
 * What every training algorithm produces: a model that scores encoded rows in memory and exports itself
 * as ONNX. Training compares the two on the holdout split, so a wrong export fails training instead of
 * serving wrong answers.
 */
import type { GraphNames } from './onnx/linear-graph.ts';

export type Algorithm = 'linear' | 'logistic' | 'gbdt';

export type Hyperparameters = Record<string, number | string | boolean>;

export interface TrainedModel {
  readonly algorithm: Algorithm;
  readonly hyperparameters: Hyperparameters;
  /** One line on how the fit went, for the training summary (e.g. Newton iterations, trees grown). */
  readonly fitNote: string;
  /** Scores of encoded rows ([rows, width] row-major): the regression value or the positive-class probability. */
  score(x: Float32Array, rows: number): Float64Array;
  toOnnx(names: GraphNames): Uint8Array;
}
