/**
 * Health at a glance: the results of a model's latest check run, summarised per check.
 */
import { CHECK_NAMES, type CheckName, type CheckStatus } from '../../monitoring/checks/types.ts';
import { worstStatus } from './format.ts';
import type { StoredCheck } from './types.ts';

export interface CheckSummary {
  check: CheckName;
  /** The worst status among the check's subjects. */
  status: CheckStatus;
  subjects: number;
  /** Subjects not passing (warn or fail), worst first. */
  flagged: string[];
}

/**
 * Only the latest run counts: results of subjects the last run no longer evaluated (a shadow since removed,
 * a finished canary) stay in the table of latest results but say nothing about the model now.
 */
export function latestRun(checks: readonly StoredCheck[]): StoredCheck[] {
  const newest = checks.reduce<string | null>((a, c) => (a === null || c.checked_at > a ? c.checked_at : a), null);
  return newest === null ? [] : checks.filter((c) => c.checked_at === newest);
}

export function summarizeChecks(checks: readonly StoredCheck[]): CheckSummary[] {
  const run = latestRun(checks);
  return CHECK_NAMES.flatMap((check) => {
    const results = run.filter((r) => r.check === check);
    if (results.length === 0) return [];
    const flagged = [...results.filter((r) => r.status === 'fail'), ...results.filter((r) => r.status === 'warn')].map(
      (r) => r.subject || 'model',
    );
    return [{ check, status: worstStatus(results.map((r) => r.status)), subjects: results.length, flagged }];
  });
}

export const CHECK_TITLES: Record<CheckName, string> = {
  staleness: 'staleness',
  invalid_data: 'invalid data',
  invariants: 'invariants',
  skew: 'training/serving skew',
  drift: 'drift',
  shadow: 'shadow',
  canary: 'canary',
  quality: 'quality',
  bias: 'bias',
  parity: 'feature parity',
};
