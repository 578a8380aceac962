/**
 * The human summary printed after training: rows, fit, metrics, files.
 *
 * @example
 * console.log(formatSummary(result));
 */
import { encodedWidth } from '../../src/model/manifest.ts';
import type { TrainedPackage } from './train-package.ts';

export function formatSummary(p: TrainedPackage): string {
  const m = p.manifest;
  const t = m.training;
  const metrics = t.metrics;
  const others = Object.entries(metrics.overall)
    .filter(([k]) => k !== metrics.primary)
    .map(([k, v]) => `${k} ${formatMetric(v)}`);
  return [
    `trained ${m.name} v${m.version} (${t.algorithm}) in ${p.totalSeconds.toFixed(1)} s (fit ${p.trainSeconds.toFixed(1)} s)`,
    `  data     ${t.dataset.file}: ${t.dataset.rows} rows → ${t.split?.train_rows} train, ${t.split?.holdout_rows} holdout (seed ${t.seed})`,
    `  fit      ${p.fitNote}; ${encodedWidth(m.encoding)} input columns`,
    `  holdout  ${metrics.primary} ${formatMetric(metrics.overall[metrics.primary] ?? NaN)} (primary, ${metrics.higher_is_better ? 'higher' : 'lower'} is better) · ${others.join(' · ')}`,
    `  golden   ${m.golden.length} examples`,
    `  wrote    ${p.modelPath}  ${formatBytes(p.modelBytes)}  sha256 ${p.sha256}`,
    `           ${p.manifestPath}  ${formatBytes(p.manifestBytes)}`,
  ].join('\n');
}

function formatMetric(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}
