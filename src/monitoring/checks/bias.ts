/**
 * Implicit bias across protected attributes: the gap between the highest and lowest group in predicted
 * positive rate and in true positive rate (on labelled feedback), compared with the same gap in training.
 * A gap that grows beyond the thresholds warns or fails.
 */
import type { Manifest } from '../../model/manifest.ts';
import { grade } from '../statistics.ts';
import { result, round, type CheckWindow, type HealthCheckResult } from './types.ts';

export interface GroupRates {
  group: string;
  n: number;
  predictedPositiveRate: number;
  /** Labelled actual positives in the group, and the share of them predicted positive. */
  labelledPositives: number;
  truePositiveRate: number | null;
}

export interface BiasStats {
  attribute: string;
  groups: GroupRates[];
}

/** Groups smaller than this are reported but do not set the gap. */
export const MIN_GROUP_SIZE = 30;

function gap(values: readonly number[]): number | null {
  return values.length < 2 ? null : Math.max(...values) - Math.min(...values);
}

export function checkBias(manifest: Manifest, stats: readonly BiasStats[], window: CheckWindow): HealthCheckResult[] {
  const { warn, fail } = manifest.monitoring.bias_gap_increase;
  if (manifest.task !== 'binary_classification' || manifest.monitoring.protected_attributes.length === 0) {
    return [
      result({
        check: 'bias',
        subject: '',
        version: manifest.version,
        status: 'insufficient_data',
        value: null,
        threshold: fail,
        window: window.label,
        details: {
          reason:
            manifest.task !== 'binary_classification'
              ? 'bias metrics are defined for binary classifiers'
              : 'the manifest declares no protected attributes',
        },
      }),
    ];
  }
  const trainingSlices = manifest.training.metrics.slices;
  return stats.map((s) => {
    const base = { check: 'bias' as const, subject: s.attribute, version: manifest.version, threshold: fail, window: window.label };
    const sized = s.groups.filter((g) => g.n >= MIN_GROUP_SIZE);
    const servingRateGap = gap(sized.map((g) => g.predictedPositiveRate));
    const withTpr = s.groups.filter((g) => g.labelledPositives >= MIN_GROUP_SIZE && g.truePositiveRate !== null);
    const servingTprGap = gap(withTpr.map((g) => g.truePositiveRate!));
    const training = (metric: string, groups: readonly string[]) =>
      gap(
        trainingSlices
          .filter((m) => m.feature === s.attribute && groups.includes(m.slice) && m.metrics[metric] !== undefined)
          .map((m) => m.metrics[metric]!),
      );
    const trainingRateGap = training(
      'predicted_positive_rate',
      sized.map((g) => g.group),
    );
    const trainingTprGap = training(
      'true_positive_rate',
      withTpr.map((g) => g.group),
    );
    const increases = [
      servingRateGap !== null && trainingRateGap !== null ? servingRateGap - trainingRateGap : null,
      servingTprGap !== null && trainingTprGap !== null ? servingTprGap - trainingTprGap : null,
    ].filter((v): v is number => v !== null);
    const details = {
      groups: s.groups.map((g) => ({
        ...g,
        predictedPositiveRate: round(g.predictedPositiveRate),
        truePositiveRate: g.truePositiveRate === null ? null : round(g.truePositiveRate),
      })),
      positive_rate_gap: servingRateGap === null ? null : round(servingRateGap),
      training_positive_rate_gap: trainingRateGap === null ? null : round(trainingRateGap),
      true_positive_rate_gap: servingTprGap === null ? null : round(servingTprGap),
      training_true_positive_rate_gap: trainingTprGap === null ? null : round(trainingTprGap),
      min_group_size: MIN_GROUP_SIZE,
      warn,
    };
    if (increases.length === 0) return result({ ...base, status: 'insufficient_data', value: null, details });
    const value = Math.max(...increases);
    return result({ ...base, status: grade(value, warn, fail), value: round(value), details });
  });
}
