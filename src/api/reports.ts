/**
 * Reports (admin token): `GET /v1/models/{model}/reports/{shadow|canary|drift|quality|score}?window=24h`.
 * Each is computed from D1 with SQL aggregates when asked.
 */
import { Hono } from 'hono';
import { canaryReport } from '../reports/canary-report.ts';
import { driftReport } from '../reports/drift-report.ts';
import { qualityReport } from '../reports/quality-report.ts';
import { reportWindow, type ReportDeps, type ReportScope } from '../reports/report-context.ts';
import { buildScoreCard, type ScoreFacts } from '../reports/score-card.ts';
import { shadowReport } from '../reports/shadow-report.ts';
import { adminAuth } from './admin-auth.ts';
import { parseWindowMinutes } from './admin-schemas.ts';
import type { AppEnv, Services } from './context.ts';
import { parseBody } from './schema-errors.ts';
import { ReportKindSchema, ReportQuerySchema } from './report-schemas.ts';

export type ReportKind = 'shadow' | 'canary' | 'drift' | 'quality' | 'score';

export function reportDeps(services: Services, alertsConfigured: boolean): ReportDeps {
  return {
    db: services.db,
    registry: services.registry,
    deployments: services.deployments,
    monitor: services.monitor,
    alertsConfigured,
    served: (model, version) => services.predictions.served(model, version),
  };
}

/** Resolves the model's deployment and primary manifest for a report; 404 for unknown models. */
export async function reportScope(services: Services, model: string, windowMinutes: number): Promise<ReportScope> {
  await services.predictions.describe(model);
  const deployment = await services.deployments.current(model);
  if (!deployment) throw services.deployments.noDeployment(model);
  const primary = (await services.registry.get(model, deployment.primary))!.manifest;
  const now = Date.now();
  return { model, deployment, primary, window: reportWindow(now, windowMinutes), generated_at: new Date(now).toISOString() };
}

export async function buildReport(kind: ReportKind, services: Services, alertsConfigured: boolean, model: string, windowMinutes: number) {
  const deps = reportDeps(services, alertsConfigured);
  const scope = await reportScope(services, model, windowMinutes);
  switch (kind) {
    case 'shadow':
      return shadowReport(deps, scope);
    case 'canary':
      return canaryReport(deps, scope);
    case 'drift':
      return driftReport(deps, scope);
    case 'quality':
      return qualityReport(deps, scope);
    case 'score': {
      const summaries = await services.registry.summaries(model);
      const versions = [];
      for (const v of summaries) {
        const m = (await services.registry.get(model, v.version))?.manifest;
        versions.push({
          version: v.version,
          status: v.status,
          algorithm: m?.training.algorithm,
          primaryMetric: m?.training.metrics.overall[m.training.metrics.primary],
        });
      }
      return {
        ...buildScoreCard({
          manifest: scope.primary,
          deployment: scope.deployment,
          events: await services.deployments.events(model, 200),
          versions,
          checks: await services.monitor.latest(model),
          alertsConfigured,
          explainability: await explainability(services, model, scope.deployment.primary),
        }),
        generated_at: scope.generated_at,
      };
    }
  }
}

async function explainability(services: Services, model: string, version: string): Promise<ScoreFacts['explainability']> {
  try {
    const { info } = await (await services.predictions.served(model, version)).explainer();
    return { method: info.method, space: info.space, transform: info.transform };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

export function reportRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:model/reports/:kind', adminAuth, async (c) => {
    const kind = parseBody(ReportKindSchema, c.req.param('kind'), 'kind');
    const query = parseBody(ReportQuerySchema, c.req.query(), 'query');
    const report = await buildReport(
      kind,
      c.get('services'),
      Boolean(c.env.ALERT_WEBHOOK_URL),
      c.req.param('model'),
      parseWindowMinutes(query.window),
    );
    return c.json(report);
  });
  return app;
}
