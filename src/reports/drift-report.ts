/**
 * Drift report: for every feature and for the predictions, skew against training and drift against the
 * previous window, with the histograms behind both numbers, and which features moved the predictions.
 */
import { profileSnapshot } from '../monitoring/check-data.ts';
import { checkDrift, checkSkew } from '../monitoring/checks/distribution.ts';
import type { CheckWindow, HealthCheckResult } from '../monitoring/checks/types.ts';
import { attributeWindows, attributionOrReason } from './attribution.ts';
import { windowJson, type ReportDeps, type ReportScope } from './report-context.ts';

export async function driftReport(deps: ReportDeps, scope: ReportScope) {
  const { model, deployment, primary, window } = scope;
  const span = window.to - 1 - window.from;
  const previous: CheckWindow = { from: window.from - span, to: window.from, label: `${window.label} before` };
  const current = await profileSnapshot(deps.db, model, deployment.primary, window);
  const before = await profileSnapshot(deps.db, model, deployment.primary, previous);
  const skew = checkSkew(primary, current, window);
  const drift = checkDrift(primary, current, before, window);
  const features = skew.map((s) => {
    const d = drift.find((x) => x.subject === s.subject)!;
    const feature = primary.features.find((f) => f.name === s.subject);
    const categorical = feature !== undefined && !('bin_edges' in feature.training);
    return {
      feature: s.subject,
      // From the manifest, not the check's details: a check without data has no measure to tell by.
      kind: categorical ? 'categorical' : 'numeric',
      bin_edges: feature ? ('bin_edges' in feature.training ? feature.training.bin_edges : undefined) : primary.output.training.bin_edges,
      skew: {
        status: s.status,
        value: s.value,
        warn: s.details.warn,
        fail: s.threshold,
        measure: s.details.measure ?? (s.status === 'insufficient_data' ? null : 'psi'),
      },
      drift: { status: d.status, value: d.value, warn: d.details.warn, fail: d.threshold },
      histogram: categorical
        ? categoricalHistogram(s, d)
        : {
            training: s.details.expected ?? null,
            current: s.details.actual ?? d.details.actual ?? null,
            previous: d.details.expected ?? null,
          },
      observations: s.details.observations ?? 0,
    };
  });
  // Which inputs moved the predictions: the change of each feature's mean contribution since the previous window.
  const attribution = await attributionOrReason(async () =>
    attributeWindows(deps.db, await deps.served(model, deployment.primary), previous, window),
  );
  return {
    report: 'drift',
    model,
    version: deployment.primary,
    window: windowJson(window),
    previous_window: windowJson(previous),
    generated_at: scope.generated_at,
    features,
    attribution,
  };
}

/**
 * Skew aligns training with current over their categories, drift previous with current over theirs; the two
 * lists differ whenever a category is missing from one window, so all three histograms are re-keyed onto the
 * union of both lists.
 */
function categoricalHistogram(skew: HealthCheckResult, drift: HealthCheckResult) {
  const keyed = (r: HealthCheckResult, side: 'expected' | 'actual') => {
    const keys = r.details.categories as string[] | undefined;
    const values = r.details[side] as number[] | undefined;
    return keys && values ? new Map(keys.map((k, i) => [k, values[i] ?? 0])) : null;
  };
  const training = keyed(skew, 'expected');
  const current = keyed(skew, 'actual') ?? keyed(drift, 'actual');
  const previous = keyed(drift, 'expected');
  const categories = [
    ...new Set([
      ...((skew.details.categories as string[] | undefined) ?? []),
      ...((drift.details.categories as string[] | undefined) ?? []),
    ]),
  ].sort();
  const on = (m: Map<string, number> | null) => (m ? categories.map((k) => m.get(k) ?? 0) : null);
  return { categories: categories.length ? categories : undefined, training: on(training), current: on(current), previous: on(previous) };
}
