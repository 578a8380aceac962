/**
 * Canary report: primary vs canary on live traffic — traffic share, errors, latency, prediction
 * distributions, quality where labelled — and the canary's health-check history.
 */
import { scoreMeasure } from '../model/manifest.ts';
import { canaryStats, qualityStats } from '../monitoring/check-data.ts';
import { psi } from '../monitoring/statistics.ts';
import { sampleLatency, trafficByVersion } from './report-data.ts';
import { windowJson, type ReportDeps, type ReportScope } from './report-context.ts';

export async function canaryReport(deps: ReportDeps, scope: ReportScope) {
  const { db } = deps;
  const { model, deployment, primary, window } = scope;
  const history = (await deps.monitor.history(model, 'canary', 200)).map((r) => ({
    checked_at: r.checked_at,
    version: r.version,
    subject: r.subject,
    status: r.status,
    value: r.value,
    threshold: r.threshold,
  }));
  const events = (await deps.deployments.events(model, 50)).filter(
    (e) => e.action === 'canary' || e.action === 'clear_canary' || (e.action === 'promote' && e.before?.canary),
  );
  const base = {
    report: 'canary',
    model,
    primary_version: deployment.primary,
    window: windowJson(window),
    generated_at: scope.generated_at,
    health_history: history,
    canary_events: events,
  };
  if (!deployment.canary)
    return { ...base, canary: null, note: 'no canary is running; start one with `vigil canary <model> <version> --percent 10`' };

  const canaryVersion = deployment.canary.version;
  const canary = (await deps.registry.get(model, canaryVersion))!.manifest;
  const traffic = await trafficByVersion(db, model, window);
  const of = (v: string) => traffic.find((t) => t.version === v) ?? { version: v, served: 0, rejected: 0, errors: 0 };
  const p = of(deployment.primary);
  const c = of(canaryVersion);
  const total = p.served + c.served;
  const distribution = await canaryStats(db, model, primary, canaryVersion, window);
  const edges = primary.output.training.bin_edges;
  const enough = distribution.primaryBins.some((n) => n > 0) && distribution.canaryBins.some((n) => n > 0);
  const summarize = async (
    version: string,
    role: 'primary' | 'canary',
    served: number,
    rejected: number,
    errors: number,
    manifest: typeof primary,
  ) => ({
    version,
    instances: served,
    rejected,
    errors,
    error_rate: served + errors ? errors / (served + errors) : null,
    latency_ms: await sampleLatency(db, model, version, role, window),
    quality: (await qualityStats(db, manifest, model, version, window)).overall,
    offline_metrics: manifest.training.metrics.overall,
  });
  return {
    ...base,
    canary: { version: canaryVersion, percent: deployment.canary.percent },
    traffic_share: {
      primary: total ? p.served / total : null,
      canary: total ? c.served / total : null,
      configured_canary_percent: deployment.canary.percent,
    },
    primary: await summarize(deployment.primary, 'primary', p.served, p.rejected, p.errors, primary),
    candidate: await summarize(canaryVersion, 'canary', c.served, c.rejected, c.errors, canary),
    prediction_distribution: {
      bins: edges.length + 1,
      bin_edges: edges,
      measure: scoreMeasure(primary),
      primary: distribution.primaryBins,
      canary: distribution.canaryBins,
      psi: enough ? psi(distribution.primaryBins, distribution.canaryBins) : null,
    },
  };
}
