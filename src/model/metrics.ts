/**
 * Model quality metrics: offline (training, on the holdout split) and online (the Worker, on feedback).
 * Pure functions over plain arrays, free of Node and Workers APIs. Binary targets are 1 (positive) / 0 and
 * scores are positive-class probabilities; a probability above 0.5 predicts the positive label, as the
 * decoder's argmax over [1 - p, p] does.
 */
import type { FeatureValue } from './manifest.ts';
import { binIndex } from './binning.ts';

export type Numbers = ArrayLike<number>;
export type MetricValues = Record<string, number>;

/** @example meanAbsoluteError([1, 2], [2, 4]) // 1.5 */
export function meanAbsoluteError(actual: Numbers, predicted: Numbers): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return sum / actual.length;
}

/** @example rootMeanSquaredError([0, 0], [3, 4]) // 3.5355… */
export function rootMeanSquaredError(actual: Numbers, predicted: Numbers): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i]! - predicted[i]!) ** 2;
  return Math.sqrt(sum / actual.length);
}

/** Coefficient of determination; null when the actual values do not vary. @example rSquared([1, 2, 3], [1, 2, 4]) // 0.5 */
export function rSquared(actual: Numbers, predicted: Numbers): number | null {
  let mean = 0;
  for (let i = 0; i < actual.length; i++) mean += actual[i]!;
  mean /= actual.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    residual += (actual[i]! - predicted[i]!) ** 2;
    total += (actual[i]! - mean) ** 2;
  }
  return total === 0 ? null : 1 - residual / total;
}

/** Share of rows whose probability falls on the side of 0.5 of their label. @example accuracy([1, 0], [0.9, 0.6]) // 0.5 */
export function accuracy(positive: Numbers, probability: Numbers): number {
  let correct = 0;
  for (let i = 0; i < positive.length; i++) if ((probability[i]! > 0.5 ? 1 : 0) === positive[i]) correct++;
  return correct / positive.length;
}

/**
 * Area under the ROC curve by ranks (Mann–Whitney U): the chance that a random positive scores above a
 * random negative, ties counting half. Null when only one class is present.
 *
 * @example rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 */
export function rocAuc(positive: Numbers, score: Numbers): number | null {
  const n = positive.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && score[order[end]!] === score[order[start]!]) end++;
    // Tied scores share the average of their 1-based ranks start+1..end.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (positive[order[k]!] === 1) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean negative log-likelihood, probabilities clipped to [epsilon, 1 - epsilon] so one confident mistake
 * costs -log(epsilon) rather than infinity.
 *
 * @example logLoss([1], [0]) // -Math.log(1e-15) ≈ 34.54
 */
export function logLoss(positive: Numbers, probability: Numbers, epsilon = 1e-15): number {
  let sum = 0;
  for (let i = 0; i < positive.length; i++) {
    const p = Math.min(Math.max(probability[i]!, epsilon), 1 - epsilon);
    sum -= positive[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / positive.length;
}

/** mae, rmse and (when defined) r2. @example regressionMetrics([1, 2, 3], [1, 2, 4]) // { mae: 0.333…, rmse: 0.577…, r2: 0.5 } */
export function regressionMetrics(actual: Numbers, predicted: Numbers): MetricValues {
  const metrics: MetricValues = { mae: meanAbsoluteError(actual, predicted), rmse: rootMeanSquaredError(actual, predicted) };
  const r2 = rSquared(actual, predicted);
  if (r2 !== null) metrics.r2 = r2;
  return metrics;
}

/**
 * auc (when both classes occur), accuracy, log_loss, the positive rates and the true positive rate (recall).
 * @example binaryClassificationMetrics([0, 1], [0.2, 0.7])
 */
export function binaryClassificationMetrics(positive: Numbers, probability: Numbers): MetricValues {
  const metrics: MetricValues = {};
  const auc = rocAuc(positive, probability);
  if (auc !== null) metrics.auc = auc;
  metrics.accuracy = accuracy(positive, probability);
  metrics.log_loss = logLoss(positive, probability);
  let actualPositives = 0;
  let predictedPositives = 0;
  let truePositives = 0;
  for (let i = 0; i < positive.length; i++) {
    const predicted = probability[i]! > 0.5;
    if (positive[i] === 1) actualPositives++;
    if (predicted) predictedPositives++;
    if (predicted && positive[i] === 1) truePositives++;
  }
  metrics.positive_rate = actualPositives / positive.length;
  metrics.predicted_positive_rate = predictedPositives / positive.length;
  if (actualPositives > 0) metrics.true_positive_rate = truePositives / actualPositives;
  return metrics;
}

/**
 * Multiclass metrics from class indexes: accuracy of the predicted classes, log_loss of the true class's
 * probability (clipped like logLoss) and macro_auc, the mean one-vs-rest AUC over classes that occur.
 * `probabilities` is row-major [n, k].
 *
 * @example multiclassMetrics([0, 2], [0.8, 0.1, 0.1, 0.2, 0.2, 0.6], 3, [0, 2]) // { accuracy: 1, log_loss: 0.367…, macro_auc: 1 }
 */
export function multiclassMetrics(actual: Numbers, probabilities: Numbers, k: number, predicted: Numbers, epsilon = 1e-15): MetricValues {
  const n = actual.length;
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    if (predicted[i] === actual[i]) correct++;
    const p = Math.min(Math.max(probabilities[i * k + actual[i]!]!, epsilon), 1 - epsilon);
    loss -= Math.log(p);
  }
  const metrics: MetricValues = { accuracy: correct / n, log_loss: loss / n };
  const aucs = classMetrics(actual, probabilities, k, predicted)
    .map((c) => c.metrics.auc)
    .filter((a): a is number => a !== undefined);
  if (aucs.length > 0) metrics.macro_auc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  return metrics;
}

/**
 * One-vs-rest metrics of each class index 0..k-1: rows (true members), auc of its probability, precision and
 * recall of predicting it.
 *
 * @example classMetrics([0, 1], [0.9, 0.1, 0.3, 0.7], 2, [0, 1])[1] // { index: 1, rows: 1, metrics: { auc: 1, precision: 1, recall: 1 } }
 */
export function classMetrics(
  actual: Numbers,
  probabilities: Numbers,
  k: number,
  predicted: Numbers,
): { index: number; rows: number; metrics: MetricValues }[] {
  const n = actual.length;
  const out: { index: number; rows: number; metrics: MetricValues }[] = [];
  for (let c = 0; c < k; c++) {
    const member = new Float64Array(n);
    const score = new Float64Array(n);
    let rows = 0;
    let predictedAs = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      member[i] = actual[i] === c ? 1 : 0;
      score[i] = probabilities[i * k + c]!;
      if (member[i]) rows++;
      if (predicted[i] === c) {
        predictedAs++;
        if (member[i]) hits++;
      }
    }
    const metrics: MetricValues = {};
    const auc = rocAuc(member, score);
    if (auc !== null) metrics.auc = auc;
    if (predictedAs > 0) metrics.precision = hits / predictedAs;
    if (rows > 0) metrics.recall = hits / rows;
    out.push({ index: c, rows, metrics });
  }
  return out;
}

/** A slice definition: by category (or boolean), or by numeric bands (edges[i-1], edges[i]]. */
export interface SliceDefinition {
  feature: string;
  bands?: readonly number[];
}

export interface SliceMetrics {
  feature: string;
  slice: string;
  rows: number;
  metrics: MetricValues;
}

export const NULL_SLICE = 'null';

/**
 * Label of the band holding `value`: "(-∞, 34]", "(34, 36]", …, "(38, ∞)".
 *
 * @example bandLabel([34, 36, 38], 35) // "(34, 36]"
 */
export function bandLabel(edges: readonly number[], value: number): string {
  const i = binIndex(edges, value);
  const lo = i === 0 ? '-∞' : String(edges[i - 1]);
  return i === edges.length ? `(${lo}, ∞)` : `(${lo}, ${edges[i]}]`;
}

/**
 * The slice a feature value belongs to; null (missing) values form their own slice.
 * @example sliceLabel({ feature: 'sex' }, 'Male') // "Male"
 */
export function sliceLabel(slice: SliceDefinition, value: FeatureValue): string {
  if (value === null) return NULL_SLICE;
  if (slice.bands && typeof value === 'number') return bandLabel(slice.bands, value);
  return String(value);
}

/**
 * Row indexes of each slice of one feature's values. Bands come in band order (empty bands left out),
 * categories in code-unit order, the null slice last.
 *
 * @example groupBySlice({ feature: 'age', bands: [30] }, [25, null, 40]) // Map { "(-∞, 30]" => [0], "(30, ∞)" => [2], "null" => [1] }
 */
export function groupBySlice(slice: SliceDefinition, values: readonly FeatureValue[]): Map<string, number[]> {
  const groups = new Map<string, { rank: number | string; rows: number[] }>();
  values.forEach((v, i) => {
    const label = sliceLabel(slice, v);
    const group = groups.get(label);
    if (group) return group.rows.push(i);
    const rank = v === null ? Infinity : slice.bands && typeof v === 'number' ? binIndex(slice.bands, v) : label;
    groups.set(label, { rank, rows: [i] });
  });
  const sorted = [...groups].sort(([, a], [, b]) => compareRanks(a.rank, b.rank));
  return new Map(sorted.map(([label, g]) => [label, g.rows]));
}

function compareRanks(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return a === Infinity ? 1 : -1;
  if (typeof b === 'number') return b === Infinity ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Metrics per slice of each definition: `valuesOf` gives a feature's value for every row, `metricsOf`
 * computes the metrics of a subset of rows.
 *
 * @example sliceMetrics([{ feature: 'sex' }], (f) => sexes, (rows) => regressionMetrics(pick(y, rows), pick(p, rows)))
 */
export function sliceMetrics(
  slices: readonly SliceDefinition[],
  valuesOf: (feature: string) => readonly FeatureValue[],
  metricsOf: (rows: readonly number[]) => MetricValues,
): SliceMetrics[] {
  const out: SliceMetrics[] = [];
  for (const slice of slices) {
    for (const [label, rows] of groupBySlice(slice, valuesOf(slice.feature))) {
      out.push({ feature: slice.feature, slice: label, rows: rows.length, metrics: metricsOf(rows) });
    }
  }
  return out;
}
