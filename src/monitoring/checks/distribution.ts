/**
 * Skew (serving vs training) and drift (this window vs the previous one) of every feature and of the
 * predictions: PSI over the training decile bins for numeric values, Jensen–Shannon divergence over
 * categories.
 */
import type { Feature, Manifest } from '../../model/manifest.ts';
import { PREDICTION_FEATURE } from '../../telemetry/profiles.ts';
import { alignCategories, binCounts, grade, jensenShannon, psi } from '../statistics.ts';
import { result, round, type CheckWindow, type FeatureWindowStats, type HealthCheckResult, type ProfileSnapshot } from './types.ts';

interface Subject {
  name: string;
  /** Bins of a numeric quantity (the training deciles), or null for a categorical one. */
  edges: readonly number[] | null;
  trainingNumeric?: readonly number[];
  trainingCategories?: Readonly<Record<string, number>>;
  /** Categories of PII features are profiled by position (#i); the training histogram is keyed alike. */
  categoryKeys?: (category: string) => string;
}

function subjects(manifest: Manifest): Subject[] {
  const out: Subject[] = manifest.features.map((f: Feature): Subject => {
    if ('bin_edges' in f.training) return { name: f.name, edges: f.training.bin_edges, trainingNumeric: f.training.bin_frequencies };
    const position = f.pii ? new Map((f.categories ?? []).map((c, i) => [c, `#${i}`])) : null;
    const frequencies = Object.fromEntries(
      Object.entries(f.training.category_frequencies).map(([c, v]) => [position ? (position.get(c) ?? '#?') : c, v]),
    );
    return { name: f.name, edges: null, trainingCategories: frequencies };
  });
  out.push({
    name: PREDICTION_FEATURE,
    edges: manifest.output.training.bin_edges,
    trainingNumeric: manifest.output.training.bin_frequencies,
  });
  return out;
}

function nonNull(stats: FeatureWindowStats | undefined): number {
  return stats ? stats.count - stats.nulls : 0;
}

function divergence(
  subject: Subject,
  expected: { numeric?: readonly number[]; categories?: Readonly<Record<string, number>> },
  actual: FeatureWindowStats,
) {
  if (subject.edges) {
    const bins = subject.edges.length + 1;
    const e = expected.numeric ?? [];
    const a = binCounts(actual.bins, bins);
    return { measure: 'psi' as const, value: psi(e, a), expected: e, actual: a };
  }
  const aligned = alignCategories(expected.categories ?? {}, actual.bins);
  return {
    measure: 'jensen_shannon' as const,
    value: jensenShannon(aligned.expected, aligned.actual),
    categories: aligned.keys,
    expected: aligned.expected,
    actual: aligned.actual,
  };
}

function label(name: string): string {
  return name === PREDICTION_FEATURE ? 'prediction' : name;
}

export function checkSkew(manifest: Manifest, current: ProfileSnapshot, window: CheckWindow): HealthCheckResult[] {
  const { monitoring } = manifest;
  return subjects(manifest).map((subject) => {
    const stats = current.get(subject.name);
    const thresholds = subject.edges ? monitoring.skew : monitoring.categorical_divergence;
    const base = {
      check: 'skew' as const,
      subject: label(subject.name),
      version: manifest.version,
      threshold: thresholds.fail,
      window: window.label,
    };
    if (!stats || nonNull(stats) < monitoring.min_samples) {
      return result({
        ...base,
        status: 'insufficient_data',
        value: null,
        details: { observations: nonNull(stats), min_samples: monitoring.min_samples },
      });
    }
    const d = divergence(subject, { numeric: subject.trainingNumeric, categories: subject.trainingCategories }, stats);
    return result({
      ...base,
      status: grade(d.value, thresholds.warn, thresholds.fail),
      value: round(d.value),
      details: { ...d, value: undefined, warn: thresholds.warn, observations: nonNull(stats) },
    });
  });
}

export function checkDrift(
  manifest: Manifest,
  current: ProfileSnapshot,
  previous: ProfileSnapshot,
  window: CheckWindow,
): HealthCheckResult[] {
  const { monitoring } = manifest;
  return subjects(manifest).map((subject) => {
    const now = current.get(subject.name);
    const before = previous.get(subject.name);
    const thresholds = subject.edges ? monitoring.drift : monitoring.categorical_divergence;
    const base = {
      check: 'drift' as const,
      subject: label(subject.name),
      version: manifest.version,
      threshold: thresholds.fail,
      window: window.label,
    };
    if (!now || !before || nonNull(now) < monitoring.min_samples || nonNull(before) < monitoring.min_samples) {
      return result({
        ...base,
        status: 'insufficient_data',
        value: null,
        details: { observations: nonNull(now), previous_observations: nonNull(before), min_samples: monitoring.min_samples },
      });
    }
    const expected = subject.edges ? { numeric: binCounts(before.bins, subject.edges.length + 1) } : { categories: before.bins };
    const d = divergence(subject, expected, now);
    return result({
      ...base,
      status: grade(d.value, thresholds.warn, thresholds.fail),
      value: round(d.value),
      details: { ...d, value: undefined, warn: thresholds.warn, observations: nonNull(now), previous_observations: nonNull(before) },
    });
  });
}
