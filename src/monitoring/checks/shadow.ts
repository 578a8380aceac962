/**
 * Shadow divergence: how far a shadow's predictions are from the primary's on the same instances —
 * regression: mean absolute difference relative to the spread of the training predictions; classification:
 * label disagreement — and how often the shadow fails.
 */
import type { Manifest } from '../../model/manifest.ts';
import { grade } from '../statistics.ts';
import { result, round, type CheckWindow, type HealthCheckResult } from './types.ts';

export interface ShadowStats {
  shadowVersion: string;
  comparisons: number;
  errors: number;
  meanAbsDiff: number | null;
  p95AbsDiff: number | null;
  maxAbsDiff: number | null;
  meanSignedDiff: number | null;
  /** Share of instances where both classifiers chose the same label; null for regression. */
  labelAgreement: number | null;
  meanPrimaryLatencyMs: number | null;
  meanShadowLatencyMs: number | null;
}

const worst = (a: HealthCheckResult['status'], b: HealthCheckResult['status']) => {
  const order = ['pass', 'insufficient_data', 'warn', 'fail'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
};

export function checkShadow(primary: Manifest, stats: ShadowStats, window: CheckWindow): HealthCheckResult {
  const { monitoring } = primary;
  const t = monitoring.shadow;
  const base = { check: 'shadow' as const, subject: stats.shadowVersion, version: stats.shadowVersion, window: window.label };
  const latencyRatio =
    stats.meanPrimaryLatencyMs && stats.meanShadowLatencyMs !== null
      ? round(stats.meanShadowLatencyMs / stats.meanPrimaryLatencyMs, 3)
      : null;
  const details: Record<string, unknown> = {
    primary_version: primary.version,
    comparisons: stats.comparisons,
    errors: stats.errors,
    mean_abs_diff: stats.meanAbsDiff,
    p95_abs_diff: stats.p95AbsDiff,
    max_abs_diff: stats.maxAbsDiff,
    mean_signed_diff: stats.meanSignedDiff,
    label_agreement: stats.labelAgreement,
    latency_ratio: latencyRatio,
  };
  if (stats.comparisons < monitoring.min_samples) {
    return result({
      ...base,
      status: 'insufficient_data',
      value: null,
      threshold: null,
      details: { ...details, min_samples: monitoring.min_samples },
    });
  }
  const errorRate = stats.errors / stats.comparisons;
  let status: HealthCheckResult['status'] = grade(errorRate, t.error_rate.warn, t.error_rate.fail);
  details.error_rate = round(errorRate);
  if (primary.task === 'regression') {
    const spread = primary.output.training.std || 1;
    const ratio = (stats.meanAbsDiff ?? 0) / spread;
    status = worst(status, grade(ratio, t.mean_abs_diff_ratio.warn, t.mean_abs_diff_ratio.fail));
    return result({
      ...base,
      status,
      value: round(ratio),
      threshold: t.mean_abs_diff_ratio.fail,
      details: {
        ...details,
        measure: 'mean_abs_diff / training prediction std',
        training_prediction_std: spread,
        warn: t.mean_abs_diff_ratio.warn,
      },
    });
  }
  const disagreement = 1 - (stats.labelAgreement ?? 1);
  status = worst(status, grade(disagreement, t.label_disagreement.warn, t.label_disagreement.fail));
  return result({
    ...base,
    status,
    value: round(disagreement),
    threshold: t.label_disagreement.fail,
    details: { ...details, measure: '1 - label agreement', warn: t.label_disagreement.warn },
  });
}
