/**
 * Parity (features compute the same in training and serving): the golden examples re-run in this Worker
 * through the QA gate — validation, encoding and model — must still match the manifest.
 */
import type { QaReport } from '../../registry/qa-gate.ts';
import { result, type HealthCheckResult } from './types.ts';

export function checkParity(version: string, report: QaReport): HealthCheckResult {
  const failed = report.checks.filter((c) => !c.passed);
  return result({
    check: 'parity',
    subject: version,
    version,
    status: failed.length === 0 ? 'pass' : 'fail',
    value: failed.length,
    threshold: 0,
    window: 'golden',
    details: { golden_examples: report.golden_examples, checks: report.checks },
  });
}
