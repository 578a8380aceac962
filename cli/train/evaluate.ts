/**
 * Offline metrics of a trained model on the holdout split, overall and per slice, computed from the scores
 * ONNX Runtime gave for the written artifact.
 *
 * @example
 * const metrics = offlineMetrics('regression', holdoutTargets, ortScores, slices, (f) => holdoutValues(f));
 */
import type { FeatureSchemaSpec } from '../../src/model/instance-validator.ts';
import type { FeatureValue, Monitoring, TrainingInfo } from '../../src/model/manifest.ts';
import {
  binaryClassificationMetrics,
  meanAbsoluteError,
  regressionMetrics,
  rocAuc,
  sliceMetrics,
  type MetricValues,
  type SliceDefinition,
} from '../../src/model/metrics.ts';
import type { ClassificationPrediction } from '../../src/model/decode.ts';
import type { TrainingSpec } from './spec.ts';

export function offlineMetrics(
  task: TrainingSpec['task'],
  targets: Float64Array,
  scores: Float64Array,
  slices: readonly SliceDefinition[],
  valuesOf: (feature: string) => readonly FeatureValue[],
): TrainingInfo['metrics'] {
  const metricsOf = (actual: Float64Array, predicted: Float64Array): MetricValues =>
    task === 'regression' ? regressionMetrics(actual, predicted) : binaryClassificationMetrics(actual, predicted);
  const subset = (rows: readonly number[]) => metricsOf(pick(targets, rows), pick(scores, rows));
  return {
    ...primaryMetricOf(task),
    overall: metricsOf(targets, scores),
    slices: sliceMetrics(slices, valuesOf, subset),
  };
}

/** The metric quality is judged by, and its direction: MAE for regression, AUC for a binary task. */
export function primaryMetricOf(task: TrainingSpec['task']): { primary: 'mae' | 'auc'; higher_is_better: boolean } {
  return task === 'regression' ? { primary: 'mae', higher_is_better: false } : { primary: 'auc', higher_is_better: true };
}

/**
 * The primary metric alone (what tuning and permutation importance compare), computed as offlineMetrics
 * computes it; null when it is undefined (AUC with one class only).
 */
export function primaryMetric(task: TrainingSpec['task'], targets: Float64Array, scores: Float64Array): number | null {
  return task === 'regression' ? meanAbsoluteError(targets, scores) : rocAuc(targets, scores);
}

function pick(values: Float64Array, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => (out[i] = values[r]!));
  return out;
}

/** The spec's slices, then protected attributes not already sliced (fairness needs their metrics too). */
export function sliceDefinitions(spec: {
  monitoring: Pick<Monitoring, 'slices' | 'protected_attributes'>;
  features: readonly Pick<FeatureSchemaSpec, 'name' | 'type'>[];
}): SliceDefinition[] {
  const slices: SliceDefinition[] = spec.monitoring.slices.map((s) =>
    s.bands ? { feature: s.feature, bands: s.bands } : { feature: s.feature },
  );
  for (const name of spec.monitoring.protected_attributes) {
    const f = spec.features.find((x) => x.name === name);
    const categorical = f?.type === 'category' || f?.type === 'boolean';
    if (categorical && !slices.some((s) => s.feature === name)) slices.push({ feature: name });
  }
  return slices;
}

/** Share of each label among predictions (the output's label distribution). */
export function labelFrequencies(predictions: readonly ClassificationPrediction[], labels: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const p of predictions) counts[p.label] = (counts[p.label] ?? 0) + 1;
  for (const l of labels) counts[l] = counts[l]! / predictions.length;
  return counts;
}
