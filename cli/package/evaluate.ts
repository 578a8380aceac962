/**
 * What `vigil package` measures on the given rows: offline metrics against the target column (overall, per
 * class and per slice), and conversion parity against the source framework's own predictions.
 *
 * @example
 * const metrics = packageMetrics(predictions, targets, outputs, slices, valuesOf);
 */
import type { ClassificationPrediction, Prediction } from '../../src/model/decode.ts';
import type { ConversionParity, FeatureValue, Task, TrainingInfo } from '../../src/model/manifest.ts';
import {
  binaryClassificationMetrics,
  classMetrics,
  multiclassMetrics,
  regressionMetrics,
  sliceMetrics,
  type MetricValues,
  type SliceDefinition,
} from '../../src/model/metrics.ts';
import type { OutputPlan } from './outputs.ts';
import { PackageError } from './package-error.ts';
import type { PackageSpec } from './spec.ts';

/** A target or reference cell as a class index, matching labels exactly or as numbers ("1.0" is label "1"). */
export function labelIndex(labels: readonly string[], cell: string): number {
  const exact = labels.indexOf(cell);
  if (exact >= 0) return exact;
  const n = Number(cell);
  if (cell.trim() === '' || !Number.isFinite(n)) return -1;
  return labels.findIndex((l) => l.trim() !== '' && Number(l) === n);
}

/** The target column read for the task: values (regression) or class indexes. */
export function readTargets(
  plan: OutputPlan,
  cells: readonly (string | null)[],
  lines: readonly number[],
  column: string,
  file: string,
): Float64Array {
  const out = new Float64Array(cells.length);
  cells.forEach((cell, r) => {
    const where = `${file} line ${lines[r]}, column "${column}"`;
    if (cell === null) throw new PackageError(`${where}: the target is empty`);
    if (plan.task === 'regression') {
      const y = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(y)) throw new PackageError(`${where}: ${JSON.stringify(cell)} is not a number`);
      out[r] = y;
      return;
    }
    const k = labelIndex(plan.labels!, cell);
    if (k < 0)
      throw new PackageError(
        `${where}: ${JSON.stringify(cell)} is not one of the model's labels ${plan.labels!.map((l) => JSON.stringify(l)).join(', ')}`,
      );
    out[r] = k;
  });
  return out;
}

/** The number monitoring tracks per prediction (the value, or the positive class's probability). */
export function scoresOf(plan: OutputPlan, predictions: readonly Prediction[]): Float64Array {
  if (plan.task === 'regression') return Float64Array.from(predictions, (p) => (p as { value: number }).value);
  const label = plan.positiveLabel;
  return Float64Array.from(predictions, (p) => {
    const c = p as ClassificationPrediction;
    return c.probabilities[label ?? c.label]!;
  });
}

export function packageMetrics(
  plan: OutputPlan,
  predictions: readonly Prediction[],
  targets: Float64Array,
  slices: readonly SliceDefinition[],
  valuesOf: (feature: string) => readonly FeatureValue[],
): TrainingInfo['metrics'] {
  const { metricsOf, probabilities, predicted, k, labels } = rowMetrics(plan, predictions, targets);
  const all = Array.from({ length: predictions.length }, (_, r) => r);
  return {
    ...primaryMetricOf(plan.task),
    overall: metricsOf(all),
    slices: sliceMetrics(slices, valuesOf, metricsOf),
    ...(plan.task !== 'regression'
      ? {
          classes: classMetrics(targets, probabilities, k, predicted).map((c) => ({
            label: labels[c.index]!,
            rows: c.rows,
            metrics: c.metrics,
          })),
        }
      : {}),
  };
}

/** The metric quality is judged by: MAE for regression, AUC for binary and accuracy for multiclass classification. */
export function primaryMetricOf(task: Task): { primary: string; higher_is_better: boolean } {
  return {
    primary: task === 'regression' ? 'mae' : task === 'binary_classification' ? 'auc' : 'accuracy',
    higher_is_better: task !== 'regression',
  };
}

/** The primary metric over all the predictions, computed as packageMetrics computes it; null when undefined (AUC of one class). */
export function primaryMetric(plan: OutputPlan, predictions: readonly Prediction[], targets: Float64Array): number | null {
  const { metricsOf } = rowMetrics(plan, predictions, targets);
  return metricsOf(Array.from({ length: predictions.length }, (_, r) => r))[primaryMetricOf(plan.task).primary] ?? null;
}

/** Metrics of any subset of rows, for the task. */
function rowMetrics(plan: OutputPlan, predictions: readonly Prediction[], targets: Float64Array) {
  const labels = plan.labels ?? [];
  const k = labels.length;
  const probabilities = new Float64Array(predictions.length * k);
  const predicted = new Float64Array(predictions.length);
  if (plan.task !== 'regression') {
    predictions.forEach((p, r) => {
      const c = p as ClassificationPrediction;
      labels.forEach((l, j) => (probabilities[r * k + j] = c.probabilities[l]!));
      predicted[r] = labels.indexOf(c.label);
    });
  }
  const scores = scoresOf(plan, predictions);
  const positive = plan.positiveLabel !== undefined ? labels.indexOf(plan.positiveLabel) : -1;
  const metricsOf = (rows: readonly number[]): MetricValues => {
    const pick = (values: Float64Array) => Float64Array.from(rows, (r) => values[r]!);
    if (plan.task === 'regression') return regressionMetrics(pick(targets), pick(scores));
    if (plan.task === 'binary_classification')
      return binaryClassificationMetrics(
        Float64Array.from(rows, (r) => (targets[r] === positive ? 1 : 0)),
        pick(scores),
      );
    const probs = new Float64Array(rows.length * k);
    rows.forEach((r, i) => probs.set(probabilities.subarray(r * k, (r + 1) * k), i * k));
    return multiclassMetrics(pick(targets), probs, k, pick(predicted));
  };
  return { metricsOf, probabilities, predicted, k, labels };
}

/** The ONNX model's predictions against the source framework's, per the reference column's kind. */
export function conversionParity(
  plan: OutputPlan,
  predictions: readonly Prediction[],
  cells: readonly (string | null)[],
  lines: readonly number[],
  column: string,
  tolerance: PackageSpec['conversion_tolerance'],
  file: string,
): ConversionParity {
  const present = cells.map((c, r) => [c, r] as const).filter((x): x is readonly [string, number] => x[0] !== null);
  if (present.length === 0) throw new PackageError(`${file}: the reference column "${column}" is empty`);
  const base = { reference_column: column, rows: present.length, tolerance };
  const asLabels = plan.task !== 'regression' && present.every(([c]) => labelIndex(plan.labels!, c) >= 0);
  if (asLabels) {
    const mismatches = present.filter(
      ([c, r]) => plan.labels![labelIndex(plan.labels!, c)] !== (predictions[r] as ClassificationPrediction).label,
    );
    return {
      ...base,
      max_abs_diff: null,
      max_tolerance_ratio: null,
      label_mismatches: mismatches.length,
      label_mismatch_rate: mismatches.length / present.length,
      worst: mismatches
        .slice(0, 10)
        .map(([c, r]) => ({ line: lines[r]!, onnx: (predictions[r] as ClassificationPrediction).label, reference: c })),
    };
  }
  if (plan.task === 'multiclass_classification') {
    throw new PackageError(
      `the reference column "${column}" must hold the source model's labels (${plan.labels!.join(', ')}) for a multiclass model`,
    );
  }
  // Regression values, or the positive class's probability of a binary classifier.
  const scores = scoresOf(plan, predictions);
  const diffs = present.map(([c, r]) => {
    const reference = Number(c);
    if (c.trim() === '' || !Number.isFinite(reference)) {
      throw new PackageError(
        `${file} line ${lines[r]}, column "${column}": ${JSON.stringify(c)} is ` +
          `${plan.task === 'regression' ? 'not a number' : `neither a label (${plan.labels!.join(', ')}) nor a probability`}`,
      );
    }
    const diff = Math.abs(scores[r]! - reference);
    const allowed = tolerance.abs + tolerance.rel * Math.abs(reference);
    return { r, reference, diff, ratio: diff === 0 ? 0 : allowed === 0 ? Number.MAX_VALUE : diff / allowed };
  });
  const worst = [...diffs].sort((a, b) => b.diff - a.diff || a.r - b.r);
  return {
    ...base,
    max_abs_diff: worst[0]!.diff,
    max_tolerance_ratio: Math.max(...diffs.map((d) => d.ratio)),
    label_mismatches: null,
    label_mismatch_rate: null,
    worst: worst.slice(0, 10).map((d) => ({ line: lines[d.r]!, onnx: scores[d.r]!, reference: d.reference })),
  };
}
