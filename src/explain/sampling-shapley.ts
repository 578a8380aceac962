/**
 * Monte Carlo Shapley values by permutation sampling (Štrumbelj & Kononenko 2014, "Explaining prediction models
 * and individual predictions with feature contributions", Algorithm 1), with an interventional background:
 * each sample draws a background row z and a random order of the features, then walks from z to the instance x
 * one feature at a time; each feature's marginal contribution f(with it) − f(without it) is one sample of its
 * Shapley value. One sample per permutation gives every feature a sample (M model evaluations per permutation),
 * so the estimates sum exactly to f(x) − mean f(z) over the drawn backgrounds.
 *
 * @example
 * const r = samplingShapley(value, outputs, x, background, { permutations: 64, random: mulberry32(1) });
 * r.phi[j * outputs + k] ± r.standardError[j * outputs + k]
 */
import type { Row } from '../model/instance-validator.ts';
import { randomIndex, shuffle, type Random } from '../lib/random.ts';

/** The model on a batch of rows: rows × outputs values, row-major. */
export type ValueFunction = (rows: readonly Row[]) => Float64Array;

export interface SamplingOptions {
  /** Most permutations (one background row each); at least 2. */
  readonly permutations: number;
  /** Stops early, after whole chunks of permutations, once this much time has passed (then not deterministic). */
  readonly timeMs?: number;
  readonly now?: () => number;
  readonly random: Random;
  /** Permutations evaluated per model call. */
  readonly chunk?: number;
}

export interface SamplingResult {
  /** f(x), per output. */
  readonly prediction: Float64Array;
  /** The mean of f(z) over the background rows drawn, per output. */
  readonly base: Float64Array;
  /** Mean marginal contribution, players × outputs. */
  readonly phi: Float64Array;
  /** Standard error of each mean (sample standard deviation / √permutations). */
  readonly standardError: Float64Array;
  readonly permutations: number;
  readonly evaluations: number;
  readonly stoppedBy: 'permutations' | 'time';
}

export function samplingShapley(
  value: ValueFunction,
  outputs: number,
  x: Row,
  background: readonly Row[],
  options: SamplingOptions,
): SamplingResult {
  const M = x.length;
  const K = outputs;
  if (background.length === 0) throw new Error('sampling Shapley needs background rows');
  const budget = Math.max(2, Math.floor(options.permutations));
  const chunk = Math.max(1, options.chunk ?? Math.max(1, Math.floor(512 / Math.max(M, 1))));
  const now = options.now ?? (() => Date.now());
  const started = options.timeMs === undefined ? 0 : now();

  const prediction = value([x]).slice(0, K);
  let evaluations = 1;
  // Welford accumulators per (player, output), and the running mean of f(z).
  const mean = new Float64Array(M * K);
  const m2 = new Float64Array(M * K);
  const base = new Float64Array(K);
  const order = Int32Array.from({ length: M }, (_, i) => i);
  let done = 0;
  let stoppedBy: SamplingResult['stoppedBy'] = 'permutations';

  while (done < budget) {
    const n = Math.min(chunk, budget - done);
    const rows: Row[] = [];
    const orders: Int32Array[] = [];
    for (let p = 0; p < n; p++) {
      const z = background[randomIndex(options.random, background.length)]!;
      shuffle(order, options.random);
      orders.push(order.slice());
      // h_0 = z, h_i = h_{i−1} with x's value of the i-th feature in the order; h_M = x is f(x), known.
      const h = z.slice();
      rows.push(h.slice());
      for (let i = 0; i < M - 1; i++) {
        const j = order[i]!;
        h[j] = x[j]!;
        rows.push(h.slice());
      }
    }
    const f = value(rows);
    evaluations += rows.length;
    for (let p = 0; p < n; p++) {
      const start = p * M;
      const o = orders[p]!;
      const count = done + p + 1;
      for (let k = 0; k < K; k++) base[k]! += (f[start * K + k]! - base[k]!) / count;
      for (let i = 0; i < M; i++) {
        const j = o[i]!;
        for (let k = 0; k < K; k++) {
          const before = f[(start + i) * K + k]!;
          const after = i === M - 1 ? prediction[k]! : f[(start + i + 1) * K + k]!;
          const sample = after - before;
          const at = j * K + k;
          const delta = sample - mean[at]!;
          mean[at]! += delta / count;
          m2[at]! += delta * (sample - mean[at]!);
        }
      }
    }
    done += n;
    if (options.timeMs !== undefined && done >= 2 && done < budget && now() - started >= options.timeMs) {
      stoppedBy = 'time';
      break;
    }
  }
  const standardError = new Float64Array(M * K);
  for (let i = 0; i < standardError.length; i++) standardError[i] = Math.sqrt(m2[i]! / (done - 1) / done);
  return { prediction, base, phi: mean, standardError, permutations: done, evaluations, stoppedBy };
}
