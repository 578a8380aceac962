/**
 * Quality report: quality on labelled feedback over time and per slice against the offline metrics, and
 * bias metrics across protected attributes.
 */
import { biasStats, qualityStats } from '../monitoring/check-data.ts';
import { checkBias } from '../monitoring/checks/bias.ts';
import { checkQuality } from '../monitoring/checks/quality.ts';
import { qualityOverTime } from './report-data.ts';
import { windowJson, type ReportDeps, type ReportScope } from './report-context.ts';

export async function qualityReport(deps: ReportDeps, scope: ReportScope) {
  const { db } = deps;
  const { model, deployment, primary, window } = scope;
  const span = window.to - 1 - window.from;
  const bucketMs = span <= 6 * 3_600_000 ? 600_000 : span <= 3 * 86_400_000 ? 3_600_000 : 86_400_000;
  const stats = await qualityStats(db, primary, model, deployment.primary, window);
  const judged = checkQuality(primary, stats, window);
  const metric = primary.training.metrics.primary;
  return {
    report: 'quality',
    model,
    version: deployment.primary,
    metric,
    higher_is_better: primary.training.metrics.higher_is_better,
    window: windowJson(window),
    generated_at: scope.generated_at,
    overall: {
      labelled: stats.overall.n,
      serving: stats.overall.metrics,
      offline: primary.training.metrics.overall,
      status: judged[0]!.status,
      degradation: judged[0]!.value,
    },
    over_time: {
      bucket: bucketMs === 600_000 ? '10m' : bucketMs === 3_600_000 ? '1h' : '1d',
      points: (await qualityOverTime(db, primary, model, deployment.primary, window, bucketMs)).map((p) => ({
        from: p.from,
        labelled: p.stats.n,
        value: p.stats.metrics[metric] ?? null,
      })),
    },
    slices: stats.slices.map((s) => {
      const r = judged.find((j) => j.subject === `${s.feature}=${s.slice}`)!;
      return {
        feature: s.feature,
        slice: s.slice,
        labelled: s.stats.n,
        serving: s.stats.metrics[metric] ?? null,
        offline: r.details.offline ?? null,
        degradation: r.value,
        status: r.status,
      };
    }),
    bias: checkBias(primary, await biasStats(db, primary, model, deployment.primary, window), window).map((b) => ({
      attribute: b.subject,
      status: b.status,
      gap_increase: b.value,
      ...b.details,
    })),
  };
}
