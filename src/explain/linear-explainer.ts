/**
 * Exact contributions of a linear map of per-feature columns: with margin_k = Σ_c w_ck·x_c + b_k and every column
 * c a function of one original feature, the (interventional) Shapley value of feature j is
 * Σ_{c of j} w_ck·(x_c − E[x_c]) and the base value is Σ_c w_ck·E[x_c] + b_k, in margin space (before the sigmoid
 * or softmax). E[x_c] comes from the training statistics where they determine it (a Vigil matrix or a graph
 * input of numeric columns), else from the background rows run through the graph's preprocessing.
 *
 * @example
 * const built = compileLinearExplainer(estimator, context, means);
 * if (built.ok) built.explainer.explain(rows)[0].contributions; // { age: [0.31], sex: [-1.2], … }
 */
import { numbers } from './batch-runner.ts';
import type { LinearEstimator } from './find-estimator.ts';
import type { ExplainerInfo, Explanation } from './explanation.ts';
import type { CompileExactResult, ExactContext } from './tree-explainer.ts';

/**
 * `statisticsMeans`: E[x_c] per column from the training statistics, when they determine it; otherwise the
 * background rows' mean is used.
 */
export function compileLinearExplainer(
  estimator: LinearEstimator,
  context: ExactContext,
  statisticsMeans?: Float64Array,
): CompileExactResult {
  const refuse = (why: string): CompileExactResult => ({ ok: false, reason: `the linear map of "${estimator.input}" ${why}` });
  const { width, outputs: K, weights, bias } = estimator;
  if (context.players.length !== width) return refuse(`has ${width} weights per output for ${context.players.length} columns`);
  for (let c = 0; c < width; c++) {
    const used = weights.subarray(c * K, (c + 1) * K).some((w) => w !== 0);
    if (used && context.players[c]! < 0) return refuse(`weighs column ${c}, which no single feature feeds`);
  }
  const names = context.outputNames(K);
  if (!Array.isArray(names)) return refuse(names.reason);

  const exact = statisticsMeans !== undefined && statisticsMeans.length === width;
  let means: Float64Array;
  if (exact) means = statisticsMeans;
  else {
    if (context.background.length === 0) return refuse('needs background rows for E[x]');
    const bg = context.input(context.background);
    if (bg.width !== width) return refuse(`reads ${bg.width} columns, its weights have ${width}`);
    const x = numbers(bg.tensor);
    means = new Float64Array(width);
    for (let r = 0; r < context.background.length; r++) for (let c = 0; c < width; c++) means[c]! += x[r * width + c]!;
    for (let c = 0; c < width; c++) means[c]! /= context.background.length;
    if (means.some((m) => !Number.isFinite(m)))
      return refuse('has a column whose background mean is not finite (a NaN the graph does not impute)');
  }

  const baseValue = Array.from(bias);
  for (let c = 0; c < width; c++) for (let k = 0; k < K; k++) baseValue[k]! += weights[c * K + k]! * means[c]!;
  const M = context.features.length;
  const info: ExplainerInfo = {
    method: 'linear',
    space: 'margin',
    outputs: names,
    transform: estimator.transform,
    reference: exact ? 'training statistics' : context.reference,
    background_rows: exact ? 0 : context.background.length,
  };
  return {
    ok: true,
    explainer: {
      info,
      features: context.features,
      explain(rows) {
        if (rows.length === 0) return [];
        const input = context.input(rows);
        if (input.width !== width) throw new Error(`the linear map reads ${input.width} columns, its weights have ${width}`);
        const x = numbers(input.tensor);
        const phi = new Float64Array(M * K);
        return rows.map((_, r): Explanation => {
          phi.fill(0);
          const prediction = Array.from(bias);
          for (let c = 0; c < width; c++) {
            const v = x[r * width + c]!;
            const p = context.players[c]!;
            for (let k = 0; k < K; k++) {
              const w = weights[c * K + k]!;
              if (w === 0) continue;
              prediction[k]! += w * v;
              phi[p * K + k]! += w * (v - means[c]!);
            }
          }
          const contributions: Record<string, number[]> = {};
          context.features.forEach((name, j) => (contributions[name] = Array.from(phi.subarray(j * K, (j + 1) * K))));
          return { method: 'linear', space: 'margin', outputs: names, prediction, base_value: [...baseValue], contributions };
        });
      },
    },
  };
}
