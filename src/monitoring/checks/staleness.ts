/** Model staleness: age of the training data vs max_age_days (warn at 80 %, fail past it). */
import type { Manifest } from '../../model/manifest.ts';
import { result, round, type HealthCheckResult } from './types.ts';

const DAY_MS = 86_400_000;

export function checkStaleness(manifest: Manifest, now: number): HealthCheckResult {
  const maxAge = manifest.monitoring.max_age_days;
  const ageDays = (now - Date.parse(manifest.training.trained_at)) / DAY_MS;
  const status = ageDays > maxAge ? 'fail' : ageDays > 0.8 * maxAge ? 'warn' : 'pass';
  return result({
    check: 'staleness',
    subject: manifest.version,
    version: manifest.version,
    status,
    value: round(ageDays, 2),
    threshold: maxAge,
    window: 'now',
    details: { trained_at: manifest.training.trained_at, max_age_days: maxAge, warn_at_days: round(0.8 * maxAge, 2) },
  });
}
