/**
 * Quality on labelled feedback: the primary metric (MAE, AUC or accuracy) of served predictions joined with their
 * labels, overall and per slice, against the manifest's offline metric. The relative degradation is graded only
 * when its 95 % confidence interval is clear of the thresholds (fail/warn when its lower bound passes them, pass
 * when its upper bound stays under warn); in between, or with fewer labels than `min_samples`, the check is
 * inconclusive (`insufficient_data`), so a small sample never alarms.
 */
import type { Manifest } from '../../model/manifest.ts';
import { metricStandardError, Z_95 } from '../statistics.ts';
import { result, round, type CheckWindow, type HealthCheckResult } from './types.ts';

export interface LabelledMetrics {
  /** Labelled predictions. */
  n: number;
  /** Positives among them (classification). */
  positives?: number;
  metrics: Record<string, number | null>;
}

export interface QualityStats {
  overall: LabelledMetrics;
  slices: { feature: string; slice: string; stats: LabelledMetrics }[];
}

/** Relative degradation of `serving` vs `offline`: positive when serving is worse. */
export function degradation(serving: number, offline: number, higherIsBetter: boolean): number {
  const scale = Math.abs(offline) || 1;
  return higherIsBetter ? (offline - serving) / scale : (serving - offline) / scale;
}

/** Slices need fewer labels than the whole window before they are judged. */
const SLICE_MIN_SAMPLES = 30;

function judge(
  manifest: Manifest,
  subject: string,
  stats: LabelledMetrics,
  offline: number | undefined,
  minSamples: number,
  window: CheckWindow,
): HealthCheckResult {
  const { primary, higher_is_better: higherIsBetter } = manifest.training.metrics;
  const { warn, fail } = manifest.monitoring.quality_degradation;
  const value = stats.metrics[primary] ?? null;
  const base = { check: 'quality' as const, subject, version: manifest.version, threshold: fail, window: window.label };
  const details = {
    metric: primary,
    serving: value,
    offline: offline ?? null,
    labelled: stats.n,
    positives: stats.positives,
    metrics: stats.metrics,
    warn,
  };
  const se = metricStandardError(primary, stats.metrics, stats.n, stats.positives);
  if (stats.n < minSamples || value === null || offline === undefined || se === null) {
    return result({ ...base, status: 'insufficient_data', value: null, details: { ...details, min_samples: minSamples } });
  }
  const d = degradation(value, offline, higherIsBetter);
  // The degradation's 95 % interval: a status only when the labels show it beyond the noise of their number.
  const margin = (Z_95 * se) / (Math.abs(offline) || 1);
  const interval = { confidence: 0.95, lower: round(d - margin), upper: round(d + margin) };
  const status = d - margin > fail ? 'fail' : d - margin > warn ? 'warn' : d + margin <= warn ? 'pass' : 'insufficient_data';
  const note =
    status === 'insufficient_data'
      ? {
          inconclusive:
            `the 95 % interval of the degradation (${interval.lower} to ${interval.upper}) ` +
            `spans the warn threshold ${warn}: more labels are needed to tell`,
        }
      : {};
  return result({ ...base, status, value: round(d), details: { ...details, interval, ...note } });
}

export function checkQuality(manifest: Manifest, stats: QualityStats, window: CheckWindow): HealthCheckResult[] {
  const { metrics } = manifest.training;
  const results = [judge(manifest, '', stats.overall, metrics.overall[metrics.primary], manifest.monitoring.min_samples, window)];
  for (const s of stats.slices) {
    const offline = metrics.slices.find((m) => m.feature === s.feature && m.slice === s.slice)?.metrics[metrics.primary];
    results.push(judge(manifest, `${s.feature}=${s.slice}`, s.stats, offline, SLICE_MIN_SAMPLES, window));
  }
  return results;
}
