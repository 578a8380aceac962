/**
 * Shadow report: how each shadow version compares with the primary on the same traffic — differences,
 * label agreement and confusion, latency, errors, the same by slice, which features the versions weigh
 * differently on those requests, and, where labels exist, both versions' quality on the same requests with a
 * verdict from a paired test.
 */
import { scoreMeasure } from '../model/manifest.ts';
import { sliceDefinitions } from '../telemetry/slices.ts';
import { mcnemarTest, pairedErrorTest, type PairedTestResult } from './paired-test.ts';
import { pairedQuality, shadowBySlice, shadowConfusion, shadowDiffHistogram, shadowDiffSummary, shadowLatency } from './report-data.ts';
import { attributeVersions, attributionOrReason } from './attribution.ts';
import { windowJson, type ReportDeps, type ReportScope } from './report-context.ts';

export async function shadowReport(deps: ReportDeps, scope: ReportScope) {
  const { db } = deps;
  const { model, deployment, primary, window } = scope;
  const classification = primary.task !== 'regression';
  const shadows = [];
  for (const shadow of deployment.shadows) {
    const summary = await shadowDiffSummary(db, model, deployment.primary, shadow.version, window);
    const paired = await pairedQuality(db, primary, model, shadow.version, window);
    const verdict: PairedTestResult = classification
      ? mcnemarTest(paired.n, paired.only_primary_correct ?? 0, paired.only_shadow_correct ?? 0)
      : pairedErrorTest(paired.n, paired.mean_error_difference ?? null, paired.variance_error_difference ?? null);
    const shadowManifest = (await deps.registry.get(model, shadow.version))?.manifest;
    const bySlice: Record<string, unknown[]> = {};
    for (const s of sliceDefinitions(primary))
      bySlice[s.feature] = await shadowBySlice(db, model, deployment.primary, shadow.version, window, s.feature);
    shadows.push({
      version: shadow.version,
      sample_rate: shadow.sample_rate,
      requests: summary.comparisons,
      errors: summary.errors,
      error_rate: summary.comparisons ? summary.errors / summary.comparisons : null,
      differences: classification
        ? {
            measure: scoreMeasure(primary),
            label_agreement: summary.label_agreement,
            mean_probability_difference: summary.mean_abs_diff,
            mean_signed_probability_difference: summary.mean_signed_diff,
            p95_probability_difference: summary.p95_abs_diff,
            confusion: await shadowConfusion(db, model, deployment.primary, shadow.version, window),
          }
        : {
            measure: scoreMeasure(primary),
            mean_abs_diff: summary.mean_abs_diff,
            median_abs_diff: summary.median_abs_diff,
            p95_abs_diff: summary.p95_abs_diff,
            max_abs_diff: summary.max_abs_diff,
            mean_signed_diff: summary.mean_signed_diff,
          },
      difference_histogram: await shadowDiffHistogram(db, model, deployment.primary, shadow.version, window, summary.max_abs_diff),
      latency_ms: {
        primary: await shadowLatency(db, model, deployment.primary, shadow.version, window, 'primary_latency_ms'),
        shadow: await shadowLatency(db, model, deployment.primary, shadow.version, window, 'shadow_latency_ms'),
      },
      by_slice: bySlice,
      // Where the versions disagree: the change of each feature's mean contribution, shadow against primary.
      attribution: await attributionOrReason(async () =>
        attributeVersions(db, await deps.served(model, deployment.primary), await deps.served(model, shadow.version), window),
      ),
      quality: {
        labelled_requests: paired.n,
        metric: primary.training.metrics.primary,
        primary: paired.primary.metrics,
        shadow: paired.shadow.metrics,
        offline: {
          primary: primary.training.metrics.overall,
          shadow: shadowManifest?.training.metrics.overall ?? null,
        },
        verdict: verdict.verdict,
        test: verdict,
      },
    });
  }
  return {
    report: 'shadow',
    model,
    primary_version: deployment.primary,
    task: primary.task,
    window: windowJson(window),
    generated_at: scope.generated_at,
    shadows,
    ...(deployment.shadows.length === 0
      ? { note: 'the deployment has no shadows; add one with `vigil shadow <model> <version> --sample-rate 0.1`' }
      : {}),
  };
}
