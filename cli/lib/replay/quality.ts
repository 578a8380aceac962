/**
 * Quality of the predictions a replay got back, against the labels it held back, computed with the same
 * metric functions training uses (src/model/metrics.ts), and compared with the offline metrics in the
 * manifest of the version that served.
 *
 * @example
 * const [v1] = qualityByVersion('regression', undefined, [{ version: '1', label: 3, prediction: { value: 2 } }]);
 * // { version: '1', rows: 1, skipped: 0, metrics: { mae: 1, rmse: 1 } }
 */
import { binaryClassificationMetrics, regressionMetrics, type MetricValues } from '../../../src/model/metrics.ts';
import type { OfflineMetrics, Prediction } from '../api-types.ts';
import type { ReplayTask } from './model-inputs.ts';

export interface LabelledPrediction {
  version: string;
  label: string | number;
  prediction: Prediction;
}

export interface VersionQuality {
  version: string;
  /** Predictions the metrics cover. */
  rows: number;
  /** Labelled predictions left out: a label the model does not know, or a prediction of the wrong shape. */
  skipped: number;
  metrics: MetricValues;
}

export interface MetricComparison {
  metric: string;
  live: number;
  offline: number;
  /** (live - offline) / |offline|; ±Infinity when the offline value is 0 and live is not. */
  relativeDifference: number;
  primary: boolean;
  /** Whether live is better or worse than offline, for metrics with a known direction. */
  direction: 'better' | 'worse' | 'same' | undefined;
}

const HIGHER_IS_BETTER: Record<string, boolean> = { auc: true, accuracy: true, r2: true, mae: false, rmse: false, log_loss: false };

/** Live metrics per version served, the version with most labelled predictions first. */
export function qualityByVersion(
  task: ReplayTask,
  positiveLabel: string | undefined,
  items: readonly LabelledPrediction[],
): VersionQuality[] {
  const groups = new Map<string, LabelledPrediction[]>();
  for (const item of items) {
    const group = groups.get(item.version);
    if (group) group.push(item);
    else groups.set(item.version, [item]);
  }
  const out: VersionQuality[] = [];
  for (const [version, group] of groups) {
    const quality = liveQuality(task, positiveLabel, group);
    if (quality) out.push({ version, ...quality });
  }
  return out.sort((a, b) => b.rows - a.rows);
}

export function liveQuality(
  task: ReplayTask,
  positiveLabel: string | undefined,
  items: readonly LabelledPrediction[],
): Omit<VersionQuality, 'version'> | null {
  if (task === 'regression') {
    const actual: number[] = [];
    const predicted: number[] = [];
    for (const { label, prediction } of items) {
      if (typeof label === 'number' && 'value' in prediction) {
        actual.push(label);
        predicted.push(prediction.value);
      }
    }
    return actual.length
      ? { rows: actual.length, skipped: items.length - actual.length, metrics: regressionMetrics(actual, predicted) }
      : null;
  }
  if (task === 'binary_classification') {
    const positive: number[] = [];
    const score: number[] = [];
    for (const { label, prediction } of items) {
      if (!('probabilities' in prediction) || positiveLabel === undefined) continue;
      const p = prediction.probabilities[positiveLabel];
      // A label the model does not know (a typo, "<=50K." for "<=50K") would silently count as negative.
      if (p === undefined || !(String(label) in prediction.probabilities)) continue;
      positive.push(String(label) === positiveLabel ? 1 : 0);
      score.push(p);
    }
    return positive.length
      ? { rows: positive.length, skipped: items.length - positive.length, metrics: binaryClassificationMetrics(positive, score) }
      : null;
  }
  let rows = 0;
  let correct = 0;
  for (const { label, prediction } of items) {
    if (!('label' in prediction) || !(String(label) in prediction.probabilities)) continue;
    rows++;
    if (prediction.label === String(label)) correct++;
  }
  return rows ? { rows, skipped: items.length - rows, metrics: { accuracy: correct / rows } } : null;
}

/** The positive class of a binary model when the manifest is not at hand: the second label, as Vigil defaults. */
export function assumedPositiveLabel(predictions: readonly Prediction[]): string | undefined {
  for (const p of predictions) if ('probabilities' in p) return Object.keys(p.probabilities)[1];
  return undefined;
}

/** Metrics measured both live and offline, the primary metric first. */
export function compareWithOffline(live: MetricValues, offline: OfflineMetrics): MetricComparison[] {
  const out: MetricComparison[] = [];
  for (const [metric, liveValue] of Object.entries(live)) {
    const offlineValue = offline.overall[metric];
    if (offlineValue === undefined) continue;
    const primary = metric === offline.primary;
    const higherIsBetter = primary ? offline.higher_is_better : HIGHER_IS_BETTER[metric];
    const relativeDifference =
      offlineValue === 0 ? (liveValue === 0 ? 0 : Math.sign(liveValue) * Infinity) : (liveValue - offlineValue) / Math.abs(offlineValue);
    const direction =
      higherIsBetter === undefined
        ? undefined
        : liveValue === offlineValue
          ? 'same'
          : liveValue > offlineValue === higherIsBetter
            ? 'better'
            : 'worse';
    out.push({ metric, live: liveValue, offline: offlineValue, relativeDifference, primary, direction });
  }
  return out.sort((a, b) => Number(b.primary) - Number(a.primary));
}
