import { describe, expect, it } from 'vitest';
import { fitLogistic, sigmoid } from '../../../cli/train/logistic.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import { fitRidge } from '../../../cli/train/ridge.ts';

/** rows × width uniform float32 values, deterministic. */
function matrix(rows: number, width: number, seed = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: rows * width }, () => Math.fround(random() * 10 - 5));
}

describe('linear models', () => {
  it('recovers the coefficients of a noiseless linear function with ridge', () => {
    const rows = 200;
    const x = matrix(rows, 3, 4);
    const y = Float64Array.from({ length: rows }, (_, r) => 3 * x[r * 3]! - 2 * x[r * 3 + 1]! + 0.5 * x[r * 3 + 2]! + 7);
    const fit = fitRidge(x, rows, 3, y, 0)!;
    expect(Array.from(fit.weights).map((w) => Number(w.toFixed(4)))).toEqual([3, -2, 0.5]);
    expect(fit.bias).toBeCloseTo(7, 4);
  });

  it('gives a constant column weight 0 instead of failing', () => {
    const rows = 50;
    const x = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? i : 1));
    const y = Float64Array.from({ length: rows }, (_, r) => 2 * x[r * 2]!);
    const fit = fitRidge(x, rows, 2, y, 0)!;
    expect(fit.weights[1]).toBe(0);
    expect(fit.weights[0]).toBeCloseTo(2, 5);
  });

  it('fits logistic regression whose probabilities follow the generating model', () => {
    const rows = 4000;
    const x = matrix(rows, 1, 5);
    const random = mulberry32(9);
    const y = Float64Array.from({ length: rows }, (_, r) => (random() < sigmoid(1.5 * x[r]! - 1) ? 1 : 0));
    const result = fitLogistic(x, rows, 1, y, { l2: 0, max_iterations: 50, tolerance: 1e-10 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fit.weights[0]).toBeCloseTo(1.5, 0);
    expect(result.fit.bias).toBeCloseTo(-1, 0);
  });
});
