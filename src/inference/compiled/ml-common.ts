/**
 * The score transforms of ONNX Runtime's ai.onnx.ml kernels (`ml_common.h`): post transforms as tree ensembles
 * apply them (`write_scores`, libc expf/logf in float32) and as linear models apply them
 * (`batched_update_scores_inplace`, which switches to MLAS's approximations), including each "binary case".
 */
import { mlasLogistic, mlasSoftmaxRow } from './mlas.ts';
import { expf } from './musl-expf.ts';

const f = Math.fround;
const FLOAT32_MAX = 3.4028234663852886e38;

export const POST_TRANSFORMS = ['NONE', 'LOGISTIC', 'SOFTMAX', 'SOFTMAX_ZERO', 'PROBIT'] as const;
export type PostTransform = (typeof POST_TRANSFORMS)[number];

/** ORT reads any unknown post_transform string as PROBIT; Vigil refuses it instead. */
export function isPostTransform(value: string): value is PostTransform {
  return (POST_TRANSFORMS as readonly string[]).includes(value);
}

/** ComputeLogistic: 1 / (1 + e^-|x|), mirrored for negative x. */
export function computeLogistic(x: number): number {
  const v = f(1 / f(1 + expf(-Math.abs(x))));
  return x < 0 ? f(1 - v) : v;
}

const PI_TIMES_A = f(f(Math.PI) * f(0.147));
const TWO_OVER_PI_A = f(2 / PI_TIMES_A);
const ONE_OVER_A = f(1 / f(0.147));
const SQRT2 = f(Math.SQRT2);

/** ErfInv: Winitzki's approximation, in float32. */
function erfInv(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const y = f(f(1 - x) * f(1 + x));
  const log = f(Math.log(y));
  const v = f(TWO_OVER_PI_A + f(0.5 * log));
  const v2 = f(ONE_OVER_A * log);
  const v3 = f(-v + f(Math.sqrt(f(f(v * v) - v2))));
  return f(sign * f(Math.sqrt(v3)));
}

/** ComputeProbit: sqrt(2) · erfinv(2x − 1). */
export function computeProbit(x: number): number {
  return f(SQRT2 * erfInv(f(f(2 * x) - 1)));
}

/** ComputeSoftmax over `count` values at `offset` (NaN never becomes the maximum). */
export function computeSoftmax(values: Float32Array, offset: number, count: number): void {
  let max = -FLOAT32_MAX;
  for (let i = 0; i < count; i++) if (values[offset + i]! > max) max = values[offset + i]!;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const e = expf(f(values[offset + i]! - max));
    values[offset + i] = e;
    sum = f(sum + e);
  }
  for (let i = 0; i < count; i++) values[offset + i] = f(values[offset + i]! / sum);
}

/** ComputeSoftmaxZero: like softmax, but values within 1e-7 of zero stay (scaled) zero. */
export function computeSoftmaxZero(values: Float32Array, offset: number, count: number): void {
  let max = -FLOAT32_MAX;
  for (let i = 0; i < count; i++) if (values[offset + i]! > max) max = values[offset + i]!;
  const expNegMax = expf(-max);
  const epsilon = f(0.0000001);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const v = values[offset + i]!;
    if (v > epsilon || v < -epsilon) {
      const e = expf(f(v - max));
      values[offset + i] = e;
      sum = f(sum + e);
    } else {
      values[offset + i] = f(v * expNegMax);
    }
  }
  for (let i = 0; i < count; i++) values[offset + i] = f(values[offset + i]! / sum);
}

/**
 * `write_scores` for two or more scores: applies the post transform in place (tree ensembles' libc-based
 * versions).
 */
export function writeScores(scores: Float32Array, offset: number, count: number, transform: PostTransform): void {
  switch (transform) {
    case 'PROBIT':
      for (let i = 0; i < count; i++) scores[offset + i] = computeProbit(scores[offset + i]!);
      return;
    case 'LOGISTIC':
      for (let i = 0; i < count; i++) scores[offset + i] = computeLogistic(scores[offset + i]!);
      return;
    case 'SOFTMAX':
      computeSoftmax(scores, offset, count);
      return;
    case 'SOFTMAX_ZERO':
      computeSoftmaxZero(scores, offset, count);
      return;
    case 'NONE':
      return;
  }
}

/**
 * `batched_update_scores_inplace` as LinearClassifier and LinearRegressor call it: `scores` holds `rows` rows of
 * `perRow` scores. With one score per row and `addSecondClass`, the output holds two columns per row and
 * `scores` must have room for them (the first `rows` entries are the raw scores).
 */
export function batchedUpdateScores(
  scores: Float32Array,
  rows: number,
  perRow: number,
  transform: PostTransform,
  addSecondClass: boolean,
): void {
  const total = rows * perRow;
  if (perRow > 1) {
    switch (transform) {
      case 'PROBIT':
        for (let i = 0; i < total; i++) scores[i] = computeProbit(scores[i]!);
        return;
      case 'LOGISTIC':
        for (let i = 0; i < total; i++) scores[i] = mlasLogistic(scores[i]!);
        return;
      case 'SOFTMAX': {
        // ORT's own thresholds for when MLAS's softmax beats the scalar one.
        const useMlas = perRow === 2 ? total >= 32 * 1024 : perRow <= 4 ? total >= 16 * 1024 : true;
        for (let r = 0; r < rows; r++) {
          if (useMlas) mlasSoftmaxRow(scores, r * perRow, 1, perRow, scores, r * perRow);
          else computeSoftmax(scores, r * perRow, perRow);
        }
        return;
      }
      case 'SOFTMAX_ZERO':
        for (let r = 0; r < rows; r++) computeSoftmaxZero(scores, r * perRow, perRow);
        return;
      case 'NONE':
        return;
    }
  }
  // One score per row: PROBIT transforms it in place; a second class makes [1 − p, p], p being the libc
  // logistic for LOGISTIC and the raw score for every other transform.
  if (transform === 'PROBIT') {
    for (let i = 0; i < total; i++) scores[i] = computeProbit(scores[i]!);
  } else if (addSecondClass) {
    for (let i = rows - 1; i >= 0; i--) {
      const p = transform === 'LOGISTIC' ? computeLogistic(scores[i]!) : scores[i]!;
      scores[2 * i] = f(1 - p);
      scores[2 * i + 1] = p;
    }
  }
}
