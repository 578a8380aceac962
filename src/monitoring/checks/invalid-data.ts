/**
 * Invalid data in serving: the share of rejected instances overall, and of invalid values per feature
 * (NaN/Infinity, out of range, unknown categories, wrong types, missing required values).
 */
import type { Manifest } from '../../model/manifest.ts';
import { INSTANCES_FEATURE } from '../../telemetry/profiles.ts';
import { grade } from '../statistics.ts';
import { result, round, type CheckWindow, type HealthCheckResult, type ProfileSnapshot } from './types.ts';

export function checkInvalidData(manifest: Manifest, current: ProfileSnapshot, window: CheckWindow): HealthCheckResult[] {
  const { warn, fail } = manifest.monitoring.invalid_rate;
  const instances = current.get(INSTANCES_FEATURE);
  const served = instances?.count ?? 0;
  const rejected = instances?.invalid ?? 0;
  const total = served + rejected;
  const base = { check: 'invalid_data' as const, version: manifest.version, threshold: fail, window: window.label };
  if (total < manifest.monitoring.min_samples) {
    return [
      result({
        ...base,
        subject: '',
        status: 'insufficient_data',
        value: total === 0 ? null : round(rejected / total),
        details: { instances: total, min_samples: manifest.monitoring.min_samples },
      }),
    ];
  }
  const results: HealthCheckResult[] = [
    result({
      ...base,
      subject: '',
      status: grade(rejected / total, warn, fail),
      value: round(rejected / total),
      details: { instances: total, rejected, warn },
    }),
  ];
  for (const feature of manifest.features) {
    const stats = current.get(feature.name);
    const invalid = stats?.invalid ?? 0;
    const share = invalid / total;
    results.push(
      result({
        ...base,
        subject: feature.name,
        status: grade(share, warn, fail),
        value: round(share),
        details: { invalid_values: invalid, instances: total, warn },
      }),
    );
  }
  return results;
}
