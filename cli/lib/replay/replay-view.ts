/**
 * Human rendering of a replay's results: requests, errors, latency, versions served, quality against the
 * labels next to the offline metrics, and feedback.
 */
import { formatDuration, formatNumber, formatRelative, formatShare, plural } from '../format.ts';
import { renderTable } from '../table.ts';
import type { FeedbackTotals } from './feedback.ts';
import type { MetricComparison, VersionQuality } from './quality.ts';
import type { ReplaySummary } from './replay-stats.ts';

export interface QualityView {
  labelColumn: string;
  positiveLabel: string | undefined;
  positiveLabelAssumed: boolean;
  versions: (VersionQuality & { comparison: MetricComparison[] | undefined })[];
  /** Why offline metrics are missing, when they are. */
  offlineNote: string | undefined;
}

export function renderRequests(summary: ReplaySummary, durationMs: number, totalRows: number): string {
  const rate = durationMs > 0 ? summary.sent / (durationMs / 1000) : 0;
  const lines = [
    'requests',
    `  sent ${summary.sent}${summary.sent < totalRows ? ` of ${totalRows}` : ''} in ${formatDuration(durationMs)} ` +
      `(${formatNumber(Number(rate.toFixed(1)))} requests/s): ${summary.ok} ok, ${plural(summary.errors, 'error')}`,
    renderTable(
      [{ header: 'status' }, { header: 'requests', align: 'right' }],
      Object.entries(summary.byStatus)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, count]) => [status, String(count)]),
      '  ',
    ),
  ];
  if (summary.errorMessages.length) {
    lines.push('', `errors (most frequent first)`);
    lines.push(
      renderTable(
        [
          { header: 'count', align: 'right' },
          { header: 'message', maxWidth: 160 },
        ],
        summary.errorMessages.map((e) => [String(e.count), e.message]),
        '  ',
      ),
    );
  }
  if (summary.latencyMs) {
    const l = summary.latencyMs;
    lines.push('', 'latency (ms, round trip seen by the client)');
    lines.push(
      renderTable(
        ['p50', 'p95', 'p99', 'max', 'mean'].map((h) => ({ header: h, align: 'right' as const })),
        [[l.p50, l.p95, l.p99, l.max, l.mean].map((v) => formatNumber(Number(v.toFixed(1))))],
        '  ',
      ),
    );
  }
  const versions = Object.entries(summary.versions).sort(([, a], [, b]) => b - a);
  if (versions.length) {
    lines.push('', 'versions served (x-model-version)');
    lines.push(
      renderTable(
        [{ header: 'version' }, { header: 'requests', align: 'right' }, { header: 'share', align: 'right' }],
        versions.map(([v, n]) => [v, String(n), formatShare(n / summary.ok)]),
        '  ',
      ),
    );
  }
  return lines.join('\n');
}

export function renderQuality(quality: QualityView): string {
  const labelled = quality.versions.reduce((n, v) => n + v.rows, 0);
  const lines = [`quality against "${quality.labelColumn}" (${plural(labelled, 'labelled prediction')})`];
  if (quality.positiveLabel !== undefined)
    lines.push(
      `  positive label: ${quality.positiveLabel}` +
        (quality.positiveLabelAssumed ? ' (assumed: the second class; pass --token to read it from the manifest)' : ''),
    );
  const rows: string[][] = [];
  for (const v of quality.versions) {
    if (v.comparison?.length) {
      for (const c of v.comparison) {
        const direction = c.direction && c.direction !== 'same' ? ` (${c.direction})` : '';
        rows.push([
          v.version,
          String(v.rows),
          `${c.metric}${c.primary ? ' *' : ''}`,
          formatNumber(c.live),
          formatNumber(c.offline),
          `${formatRelative(c.relativeDifference)}${direction}`,
        ]);
      }
    } else {
      for (const [metric, value] of Object.entries(v.metrics))
        rows.push([v.version, String(v.rows), metric, formatNumber(value), '—', '—']);
    }
  }
  lines.push(
    renderTable(
      [
        { header: 'version' },
        { header: 'rows', align: 'right' },
        { header: 'metric' },
        { header: 'live', align: 'right' },
        { header: 'offline', align: 'right' },
        { header: 'difference' },
      ],
      rows,
      '  ',
    ),
  );
  const skipped = quality.versions.reduce((n, v) => n + v.skipped, 0);
  if (skipped) lines.push(`  ${plural(skipped, 'labelled prediction')} left out: the label is not one of the model's classes`);
  if (quality.versions.some((v) => v.comparison?.length))
    lines.push("  * the manifest's primary metric; offline = the training holdout, difference = (live - offline) / offline");
  if (quality.offlineNote) lines.push(`  ${quality.offlineNote}`);
  return lines.join('\n');
}

export function renderFeedback(totals: FeedbackTotals): string {
  const lines = [
    'feedback',
    `  posted ${plural(totals.sent, 'label')}: ${totals.accepted} accepted, ${totals.matched} matched, ` +
      `${totals.unknown} unknown${totals.duplicates ? `, ${totals.duplicates} already labelled` : ''}`,
  ];
  if (totals.unknown) {
    lines.push(
      `  unknown request ids have no logged prediction yet (e.g. ${totals.unknownSample.join(', ')}); ` +
        'the deployment may log only a sample of primary traffic, or telemetry has not been written yet',
    );
  }
  for (const failed of totals.failedBatches) lines.push(`  a batch of ${plural(failed.items, 'label')} was refused: ${failed.error}`);
  return lines.join('\n');
}
