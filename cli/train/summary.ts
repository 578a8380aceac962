/**
 * The human summary printed after training: rows, fit, metrics, files.
 *
 * @example
 * console.log(formatSummary(result));
 */
import { encodedWidth } from '../../src/model/manifest.ts';
import { describeCandidate } from './grid-search.ts';
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
    `  data     ${t.dataset.file}: ${t.dataset.rows} rows → ${t.split?.train_rows} train, ` +
      `${t.split?.holdout_rows} holdout (seed ${t.seed})`,
    ...(t.tuning ? [tuningLine(t.tuning, p.tuningSeconds)] : []),
    `  fit      ${p.fitNote}; ${encodedWidth(m.encoding)} input columns`,
    `  holdout  ${metrics.primary} ${formatMetric(metrics.overall[metrics.primary] ?? NaN)} (primary, ` +
      `${metrics.higher_is_better ? 'higher' : 'lower'} is better) · ${others.join(' · ')}`,
    ...(t.feature_assessment ? [assessmentLine(t.feature_assessment, p.assessmentSeconds)] : []),
    `  golden   ${m.golden.length} examples`,
    `  wrote    ${p.modelPath}  ${formatBytes(p.modelBytes)}  sha256 ${p.sha256}`,
    `           ${p.manifestPath}  ${formatBytes(p.manifestBytes)}`,
  ].join('\n');
}

function tuningLine(tuning: NonNullable<TrainedPackage['manifest']['training']['tuning']>, seconds: number): string {
  const winner = tuning.candidates[tuning.selected]!;
  return (
    `  tuning   ${describeCandidate(winner.hyperparameters)} won of ${tuning.candidates.length} candidates: ` +
    `${tuning.metric} ${formatMetric(winner.mean)} ± ${formatMetric(winner.std)} over ${tuning.folds} folds ` +
    `(${seconds.toFixed(1)} s)`
  );
}

function assessmentLine(a: NonNullable<TrainedPackage['manifest']['training']['feature_assessment']>, seconds: number): string {
  const weak = a.features.filter((f) => !f.beneficial).map((f) => f.name);
  return (
    `  assess   permutation importance on ${a.rows} holdout rows × ${a.repeats}: ` +
    `${weak.length === 0 ? 'every feature helps' : `not beneficial: ${weak.join(', ')}`} (${seconds.toFixed(1)} s)`
  );
}

function formatMetric(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}
