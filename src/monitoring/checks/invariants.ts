/**
 * Data invariants: each feature's null rate stays near its training null rate. The serving range of numeric
 * features is reported next to the training range; values outside it are allowed by the schema and common
 * in live data, so they are information, not a warning.
 */
import type { Manifest } from '../../model/manifest.ts';
import { result, round, type CheckWindow, type HealthCheckResult, type ProfileSnapshot } from './types.ts';

export function checkInvariants(manifest: Manifest, current: ProfileSnapshot, window: CheckWindow): HealthCheckResult[] {
  const { warn, fail } = manifest.monitoring.null_rate_increase;
  const results: HealthCheckResult[] = [];
  for (const feature of manifest.features) {
    const stats = current.get(feature.name);
    const base = { check: 'invariants' as const, subject: feature.name, version: manifest.version, threshold: fail, window: window.label };
    if (!stats || stats.count < manifest.monitoring.min_samples) {
      results.push(
        result({
          ...base,
          status: 'insufficient_data',
          value: null,
          details: { observations: stats?.count ?? 0, min_samples: manifest.monitoring.min_samples },
        }),
      );
      continue;
    }
    const nullRate = stats.nulls / stats.count;
    const increase = nullRate - feature.training.null_rate;
    const status: HealthCheckResult['status'] = increase > fail ? 'fail' : increase > warn ? 'warn' : 'pass';
    const details: Record<string, unknown> = { null_rate: round(nullRate), training_null_rate: round(feature.training.null_rate), warn };
    if ('bin_edges' in feature.training && stats.min !== null && stats.max !== null) {
      details.serving_range = [stats.min, stats.max];
      details.training_range = [feature.training.min, feature.training.max];
    }
    results.push(result({ ...base, status, value: round(increase), details }));
  }
  return results;
}
