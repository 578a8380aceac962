/**
 * Health in the API: `GET /v1/models/{model}/health` (admin token) returns the latest result of every check and
 * the state of telemetry, `GET /admin/health` the service's own health (telemetry that was dead-lettered, replayed
 * or dropped; what this isolate holds), and `POST /admin/checks/run` runs the checks now (what the cron does every
 * five minutes, under the same lease).
 */
import { Hono } from 'hono';
import { ModelNotFoundError, RunInProgressError } from '../errors.ts';
import { acquireLease, releaseLease } from '../db/leases.ts';
import { telemetryHealth } from '../telemetry/telemetry-health.ts';
import { adminAuth } from './admin-auth.ts';

/** The lease the five-minute cron and manual runs share (src/index.ts). */
export const CHECKS_LEASE = 'health-checks';
import type { AppEnv } from './context.ts';
import { parseBody } from './schema-errors.ts';
import { ChecksRunQuerySchema, parseWindowMinutes } from './admin-schemas.ts';

export function modelHealthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:model/health', adminAuth, async (c) => {
    const model = c.req.param('model');
    await c.get('services').predictions.describe(model);
    const checks = await c.get('services').monitor.latest(model);
    const worst = ['fail', 'warn', 'pass', 'insufficient_data'].find((s) => checks.some((r) => r.status === s)) ?? 'insufficient_data';
    const telemetry = await telemetryHealth(c.get('services').db);
    return c.json({
      model,
      status: worst,
      checked_at: checks.reduce<string | null>((a, r) => (a === null || r.checked_at > a ? r.checked_at : a), null),
      checks,
      telemetry,
    });
  });
  return app;
}

export function serviceHealthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/health', adminAuth, async (c) =>
    c.json({ telemetry: await telemetryHealth(c.get('services').db), isolate: c.get('services').isolate() }),
  );
  return app;
}

export function checksRunRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/checks/run', adminAuth, async (c) => {
    const query = parseBody(ChecksRunQuerySchema, c.req.query());
    if (query.model) {
      const models = await c.get('services').registry.models();
      if (!models.includes(query.model)) throw new ModelNotFoundError(query.model, models);
    }
    const { db, monitor } = c.get('services');
    const holder = crypto.randomUUID();
    if (!(await acquireLease(db, CHECKS_LEASE, holder, Date.now(), 4 * 60_000))) {
      throw new RunInProgressError('a health-check run is in progress (the cron or another caller); try again in a minute', [
        { field: 'checks', code: 'run_in_progress', message: 'another run holds the lease' },
      ]);
    }
    let summaries: Awaited<ReturnType<typeof monitor.run>>;
    try {
      summaries = await monitor.run({
        ...(query.model ? { model: query.model } : {}),
        ...(query.window ? { windowMinutes: parseWindowMinutes(query.window) } : {}),
      });
    } finally {
      await releaseLease(db, CHECKS_LEASE, holder).catch(() => undefined);
    }
    return c.json({
      ran_at: new Date().toISOString(),
      models: summaries.map((s) => ({
        model: s.model,
        counts: Object.fromEntries(
          ['pass', 'warn', 'fail', 'insufficient_data'].map((st) => [st, s.results.filter((r) => r.status === st).length]),
        ),
        changes: s.changes,
        rolled_back: s.rolledBack,
        results: s.results,
      })),
    });
  });
  return app;
}
