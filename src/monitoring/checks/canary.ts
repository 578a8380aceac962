/**
 * Canary health (server vs model sync): the canary's error rate, and how far its prediction distribution is
 * from the primary's over the same window (PSI over the primary's training prediction deciles). A failing
 * canary is rolled back by the scheduler. Subjects carry the canary version (`3:error_rate`), so one canary's
 * state never carries over to the next.
 */
import type { Manifest } from '../../model/manifest.ts';
import { grade, psi } from '../statistics.ts';
import { result, round, type CheckWindow, type HealthCheckResult } from './types.ts';

export interface CanaryStats {
  canaryVersion: string;
  /** Instances the canary served, and those it failed on, in the window. */
  served: number;
  errors: number;
  /** Logged predictions per bin of the primary's training prediction deciles. */
  primaryBins: number[];
  canaryBins: number[];
}

export function checkCanary(primary: Manifest, stats: CanaryStats, window: CheckWindow): HealthCheckResult[] {
  const { monitoring } = primary;
  const t = monitoring.canary;
  const base = { check: 'canary' as const, version: stats.canaryVersion, window: window.label };
  const results: HealthCheckResult[] = [];
  const attempts = stats.served + stats.errors;
  if (attempts < monitoring.min_samples) {
    results.push(
      result({
        ...base,
        subject: `${stats.canaryVersion}:error_rate`,
        status: 'insufficient_data',
        value: null,
        threshold: t.error_rate.fail,
        details: { instances: attempts, min_samples: monitoring.min_samples },
      }),
    );
  } else {
    const rate = stats.errors / attempts;
    results.push(
      result({
        ...base,
        subject: `${stats.canaryVersion}:error_rate`,
        status: grade(rate, t.error_rate.warn, t.error_rate.fail),
        value: round(rate),
        threshold: t.error_rate.fail,
        details: { instances: attempts, errors: stats.errors, warn: t.error_rate.warn },
      }),
    );
  }
  const primaryCount = stats.primaryBins.reduce((a, b) => a + b, 0);
  const canaryCount = stats.canaryBins.reduce((a, b) => a + b, 0);
  if (primaryCount < monitoring.min_samples || canaryCount < monitoring.min_samples) {
    results.push(
      result({
        ...base,
        subject: `${stats.canaryVersion}:divergence`,
        status: 'insufficient_data',
        value: null,
        threshold: t.prediction_psi.fail,
        details: { primary_predictions: primaryCount, canary_predictions: canaryCount, min_samples: monitoring.min_samples },
      }),
    );
  } else {
    const value = psi(stats.primaryBins, stats.canaryBins);
    results.push(
      result({
        ...base,
        subject: `${stats.canaryVersion}:divergence`,
        status: grade(value, t.prediction_psi.warn, t.prediction_psi.fail),
        value: round(value),
        threshold: t.prediction_psi.fail,
        details: {
          measure: 'PSI of canary vs primary predictions',
          primary_version: primary.version,
          primary_bins: stats.primaryBins,
          canary_bins: stats.canaryBins,
          warn: t.prediction_psi.warn,
        },
      }),
    );
  }
  return results;
}
