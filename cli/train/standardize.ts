/**
 * Column standardization for the linear models: they are fitted on (x - mean) / std, which keeps the
 * normal equations well conditioned, then the weights are folded back so the exported graph takes raw
 * encoded inputs. Constant columns carry no information and are left out of the fit (weight 0).
 *
 * @example
 * const s = standardization(x, rows, width);
 * const z = standardizedMatrix(x, rows, s); // rows × s.active.length
 */

export interface Standardization {
  mean: Float64Array;
  std: Float64Array;
  /** Columns with non-zero spread, in order; the fit uses only these. */
  active: number[];
}

export function standardization(x: Float32Array, rows: number, width: number): Standardization {
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) mean[j]! += x[r * width + j]!;
  for (let j = 0; j < width; j++) mean[j]! /= rows;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const d = x[r * width + j]! - mean[j]!;
      std[j]! += d * d;
    }
  }
  const active: number[] = [];
  for (let j = 0; j < width; j++) {
    std[j] = Math.sqrt(std[j]! / rows);
    if (std[j]! > 1e-12 * Math.max(1, Math.abs(mean[j]!))) active.push(j);
  }
  return { mean, std, active };
}

/** The active columns of x, standardized, row-major [rows, active.length]. */
export function standardizedMatrix(x: Float32Array, rows: number, s: Standardization): Float64Array {
  const width = s.mean.length;
  const k = s.active.length;
  const z = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < k; a++) {
      const j = s.active[a]!;
      z[r * k + a] = (x[r * width + j]! - s.mean[j]!) / s.std[j]!;
    }
  }
  return z;
}

/**
 * Folds standardized coefficients back to raw-input weights: β·(x - m)/s + c = (β/s)·x + (c - Σ β m / s).
 * Weights are rounded to float32 because that is what the ONNX initializer stores.
 */
export function foldStandardization(beta: Float64Array, intercept: number, s: Standardization): { weights: Float32Array; bias: number } {
  const weights = new Float32Array(s.mean.length);
  let bias = intercept;
  s.active.forEach((j, a) => {
    weights[j] = beta[a]! / s.std[j]!;
    // The bias absorbs the rounding of the stored weight, so predictions stay centred.
    bias -= weights[j]! * s.mean[j]!;
  });
  return { weights, bias: Math.fround(bias) };
}
