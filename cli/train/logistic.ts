/**
 * Binary logistic regression by Newton's method (IRLS) on standardized columns with a small L2 penalty
 * (the intercept is not penalized), folded back into raw-input weights. A backtracking step keeps the
 * penalized log-likelihood improving even from a poor start.
 *
 * @example
 * const fit = fitLogistic(x, rows, width, labels01, { l2: 1e-4, max_iterations: 100, tolerance: 1e-10 });
 */
import { solveSpd } from './linear-algebra.ts';
import type { LinearWeights } from './ridge.ts';
import { foldStandardization, standardization, standardizedMatrix } from './standardize.ts';
import type { LinearHyperparameters } from './spec.ts';

export type LogisticFit = { ok: true; fit: LinearWeights; iterations: number } | { ok: false; error: string };

export function fitLogistic(x: Float32Array, rows: number, width: number, y: Float64Array, hp: LinearHyperparameters): LogisticFit {
  const s = standardization(x, rows, width);
  const z = standardizedMatrix(x, rows, s);
  const k = s.active.length;
  const m = k + 1; // coefficients, then the intercept
  const penalty = hp.l2 * rows;
  let theta = new Float64Array(m);
  let positives = 0;
  for (let r = 0; r < rows; r++) positives += y[r]!;
  const prior = Math.min(Math.max(positives / rows, 1e-6), 1 - 1e-6);
  theta[k] = Math.log(prior / (1 - prior));

  const margins = (t: Float64Array): Float64Array => {
    const f = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let v = t[k]!;
      for (let i = 0; i < k; i++) v += z[r * k + i]! * t[i]!;
      f[r] = v;
    }
    return f;
  };
  const objective = (t: Float64Array, f: Float64Array): number => {
    let loss = 0;
    for (let r = 0; r < rows; r++) loss += softplus(f[r]!) - y[r]! * f[r]!;
    for (let i = 0; i < k; i++) loss += 0.5 * penalty * t[i]! ** 2;
    return loss;
  };

  let f = margins(theta);
  let current = objective(theta, f);
  for (let iteration = 1; iteration <= hp.max_iterations; iteration++) {
    const gradient = new Float64Array(m);
    const hessian = new Float64Array(m * m);
    for (let r = 0; r < rows; r++) {
      const p = sigmoid(f[r]!);
      const g = p - y[r]!;
      const w = Math.max(p * (1 - p), 1e-12);
      const o = r * k;
      for (let i = 0; i < m; i++) {
        const zi = i === k ? 1 : z[o + i]!;
        gradient[i]! += zi * g;
        const wzi = w * zi;
        for (let j = 0; j <= i; j++) hessian[i * m + j]! += wzi * (j === k ? 1 : z[o + j]!);
      }
    }
    for (let i = 0; i < m; i++) {
      if (i < k) {
        gradient[i]! += penalty * theta[i]!;
        hessian[i * m + i]! += penalty;
      }
      for (let j = 0; j < i; j++) hessian[j * m + i] = hessian[i * m + j]!;
    }
    const step = solveSpd(hessian, gradient, m);
    if (!step) return { ok: false, error: 'the Newton system is singular; raise hyperparameters.linear.l2' };

    let scale = 1;
    let next = theta;
    let nextF = f;
    let nextObjective = Infinity;
    for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
      next = theta.map((t, i) => t - scale * step[i]!);
      nextF = margins(next);
      nextObjective = objective(next, nextF);
      if (nextObjective <= current) break;
    }
    let moved = 0;
    for (let i = 0; i < m; i++) moved = Math.max(moved, Math.abs(next[i]! - theta[i]!));
    theta = next;
    f = nextF;
    current = nextObjective;
    if (moved < hp.tolerance) {
      return { ok: true, fit: foldStandardization(theta.subarray(0, k), theta[k]!, s), iterations: iteration };
    }
  }
  return { ok: true, fit: foldStandardization(theta.subarray(0, k), theta[k]!, s), iterations: hp.max_iterations };
}

export function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}
