/**
 * How the dashboard writes numbers, times and statuses.
 */
import type { CheckStatus } from '../../monitoring/checks/types.ts';
import { formatFull, formatNumber, formatPercent } from '../charts/scale.ts';

export { formatFull, formatNumber, formatPercent };

/** "2026-11-27T10:53:44.053Z" → "2026-11-27 10:53 UTC"; anything unparsable is shown as given. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The label of a time bucket starting at `iso`: the time of day for sub-day buckets, the date for days. */
export function bucketLabel(iso: string, bucket: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return bucket === '1d' ? d.toISOString().slice(5, 10) : d.toISOString().slice(11, 16);
}

/** A model metric: probabilities and scores with three decimals, errors in the target's units. */
export function formatMetric(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (['auc', 'accuracy', 'r2', 'positive_rate', 'predicted_positive_rate', 'log_loss', 'precision', 'recall', 'f1'].includes(metric))
    return value.toFixed(3);
  return formatNumber(value);
}

export const METRIC_NAMES: Record<string, string> = {
  auc: 'AUC',
  accuracy: 'accuracy',
  log_loss: 'log loss',
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²',
  positive_rate: 'positive rate',
  predicted_positive_rate: 'predicted positive rate',
};

export function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric.replaceAll('_', ' ');
}

export type Tone = 'pass' | 'warn' | 'fail' | 'na' | 'info';

export const STATUS_TONE: Record<CheckStatus, Tone> = { pass: 'pass', warn: 'warn', fail: 'fail', insufficient_data: 'na' };

export const STATUS_TEXT: Record<CheckStatus, string> = {
  pass: 'pass',
  warn: 'warn',
  fail: 'fail',
  insufficient_data: 'insufficient data',
};

/** Symbols beside the words, so status never depends on colour alone (and survives greyscale printing). */
export const TONE_ICON: Record<Tone, string> = { pass: '✓', warn: '!', fail: '✕', na: '?', info: 'i' };

const SEVERITY: Record<CheckStatus, number> = { fail: 3, warn: 2, pass: 1, insufficient_data: 0 };

/** The worst of `statuses` (fail > warn > pass > insufficient data); insufficient data when empty. */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'insufficient_data';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

export function bySeverity<T extends { status: CheckStatus }>(a: T, b: T): number {
  return SEVERITY[b.status] - SEVERITY[a.status];
}

/** Labels of the bins defined by interior `edges` (bin i holds edges[i-1] < v <= edges[i]). */
export function binLabels(edges: readonly number[], format: (v: number) => string = formatNumber): string[] {
  if (edges.length === 0) return ['all'];
  return [
    `≤ ${format(edges[0]!)}`,
    ...edges.slice(1).map((e, i) => `${format(edges[i]!)}–${format(e)}`),
    `> ${format(edges[edges.length - 1]!)}`,
  ];
}

/** "1h" / "24h" / "7d" as words. */
export function windowWords(window: string): string {
  const n = Number(window.slice(0, -1));
  const unit = window.slice(-1);
  const word = unit === 'm' ? 'minute' : unit === 'h' ? 'hour' : 'day';
  return n === 1 ? `last ${word}` : `last ${n} ${word}s`;
}
