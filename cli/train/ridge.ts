/**
 * Linear regression: ridge (small L2) in closed form on standardized columns, solved by Cholesky, with the
 * standardization folded back into raw-input weights.
 *
 * @example
 * const fit = fitRidge(x, rows, width, y, 1e-4);
 * if (fit) predict = (row) => dot(fit.weights, row) + fit.bias;
 */
import { solveSpd } from './linear-algebra.ts';
import { foldStandardization, standardization, standardizedMatrix } from './standardize.ts';

export interface LinearWeights {
  /** One float32 weight per encoded column. */
  weights: Float32Array;
  /** Float32-representable bias. */
  bias: number;
}

/** Returns null when the normal equations are singular (l2 = 0 with collinear columns). */
export function fitRidge(x: Float32Array, rows: number, width: number, y: Float64Array, l2: number): LinearWeights | null {
  const s = standardization(x, rows, width);
  const z = standardizedMatrix(x, rows, s);
  const k = s.active.length;
  let yMean = 0;
  for (let r = 0; r < rows; r++) yMean += y[r]!;
  yMean /= rows;

  // (ZᵀZ + l2·n·I) β = Zᵀ(y - ȳ); centred columns make the intercept ȳ, unpenalized.
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const yr = y[r]! - yMean;
    const o = r * k;
    for (let i = 0; i < k; i++) {
      const zi = z[o + i]!;
      b[i]! += zi * yr;
      for (let j = 0; j <= i; j++) a[i * k + j]! += zi * z[o + j]!;
    }
  }
  for (let i = 0; i < k; i++) {
    a[i * k + i]! += l2 * rows;
    for (let j = 0; j < i; j++) a[j * k + i] = a[i * k + j]!;
  }
  const beta = k === 0 ? new Float64Array(0) : solveSpd(a, b, k);
  if (!beta) return null;
  return foldStandardization(beta, yMean, s);
}
