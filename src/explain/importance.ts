/**
 * Explanations summed up over a set of rows: the mean |contribution| of each feature (its importance there), the
 * mean contribution, the mean prediction and base value; and, between two such summaries from the same
 * explainer, how much each feature moved the mean prediction (the change of its mean contribution), which adds
 * up to the change of the mean prediction less the change of the base value.
 *
 * @example
 * const before = summarizeExplanations(explainer.explain(referenceRows));
 * const after = summarizeExplanations(explainer.explain(recentRows));
 * const shift = attributeShift(before, after); // shift.ok && shift.features['median_income'] → [−8120.4]
 */
import type { Explanation, ExplanationMethod, ExplanationSpace } from './explanation.ts';

export interface FeatureSummary {
  /** Mean |contribution| per output. */
  mean_abs: number[];
  /** Mean contribution per output. */
  mean: number[];
}

export interface ExplanationSummary {
  method: ExplanationMethod;
  space: ExplanationSpace;
  outputs: readonly string[];
  rows: number;
  mean_prediction: number[];
  mean_base_value: number[];
  features: Record<string, FeatureSummary>;
}

export type SummarizeResult = { ok: true; summary: ExplanationSummary } | { ok: false; reason: string };

export function summarizeExplanations(explanations: readonly Explanation[]): SummarizeResult {
  const first = explanations[0];
  if (!first) return { ok: false, reason: 'there are no explanations to summarize' };
  const K = first.outputs.length;
  const names = Object.keys(first.contributions);
  const zeros = () => new Array<number>(K).fill(0);
  const features: Record<string, FeatureSummary> = {};
  for (const name of names) features[name] = { mean_abs: zeros(), mean: zeros() };
  const meanPrediction = zeros();
  const meanBase = zeros();
  const n = explanations.length;
  for (const e of explanations) {
    if (e.method !== first.method || e.space !== first.space || e.outputs.join('\u0000') !== first.outputs.join('\u0000')) {
      return { ok: false, reason: 'the explanations differ in method, space or outputs' };
    }
    for (let k = 0; k < K; k++) {
      meanPrediction[k]! += e.prediction[k]! / n;
      meanBase[k]! += e.base_value[k]! / n;
    }
    for (const name of names) {
      const c = e.contributions[name];
      if (!c) return { ok: false, reason: `an explanation has no contribution for "${name}"` };
      const s = features[name]!;
      for (let k = 0; k < K; k++) {
        s.mean_abs[k]! += Math.abs(c[k]!) / n;
        s.mean[k]! += c[k]! / n;
      }
    }
  }
  return {
    ok: true,
    summary: {
      method: first.method,
      space: first.space,
      outputs: first.outputs,
      rows: n,
      mean_prediction: meanPrediction,
      mean_base_value: meanBase,
      features,
    },
  };
}

export interface ShiftAttribution {
  outputs: readonly string[];
  /** Change of the mean prediction, per output. */
  prediction_shift: number[];
  /** Change of the mean base value (0 for exact methods; sampling's drawn background moves it a little). */
  base_shift: number[];
  /** Per feature, the change of its mean contribution; they sum to prediction_shift − base_shift. */
  features: Record<string, number[]>;
}

export type ShiftResult = { ok: true; shift: ShiftAttribution } | { ok: false; reason: string };

export function attributeShift(reference: ExplanationSummary, current: ExplanationSummary): ShiftResult {
  if (
    reference.method !== current.method ||
    reference.space !== current.space ||
    reference.outputs.join('\u0000') !== current.outputs.join('\u0000')
  ) {
    return { ok: false, reason: 'the summaries come from different methods, spaces or outputs' };
  }
  const diff = (a: readonly number[], b: readonly number[]) => b.map((v, k) => v - a[k]!);
  const features: Record<string, number[]> = {};
  for (const [name, s] of Object.entries(current.features)) {
    const before = reference.features[name];
    if (!before) return { ok: false, reason: `the reference has no feature "${name}"` };
    features[name] = diff(before.mean, s.mean);
  }
  return {
    ok: true,
    shift: {
      outputs: current.outputs,
      prediction_shift: diff(reference.mean_prediction, current.mean_prediction),
      base_shift: diff(reference.mean_base_value, current.mean_base_value),
      features,
    },
  };
}
