/**
 * Health in the API: `GET /v1/models/{model}/health` (admin token) returns the latest result of every check,
 * and `POST /admin/checks/run` runs the checks now (what the cron does every five minutes).
 */
import { Hono } from 'hono';
import { VigilError } from '../errors.ts';
import { adminAuth } from './admin-auth.ts';
import type { AppEnv } from './context.ts';
import { parseBody } from './schema-errors.ts';
import { ChecksRunQuerySchema, parseWindowMinutes } from './admin-schemas.ts';

export function modelHealthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:model/health', adminAuth, async (c) => {
    const model = c.req.param('model');
    await c.var.services.predictions.describe(model);
    const checks = await c.var.services.monitor.latest(model);
    const worst = ['fail', 'warn', 'pass', 'insufficient_data'].find((s) => checks.some((r) => r.status === s)) ?? 'insufficient_data';
    return c.json({ model, status: worst, checked_at: checks.reduce<string | null>((a, r) => (a === null || r.checked_at > a ? r.checked_at : a), null), checks });
  });
  return app;
}

export function checksRunRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/checks/run', adminAuth, async (c) => {
    const query = parseBody(ChecksRunQuerySchema, c.req.query());
    if (query.model) {
      const models = await c.var.services.registry.models();
      if (!models.includes(query.model)) throw new VigilError('model_not_found', 404, `model "${query.model}" does not exist`, [{ field: 'model', code: 'model_not_found', message: `no model named "${query.model}"` }]);
    }
    const summaries = await c.var.services.monitor.run({ ...(query.model ? { model: query.model } : {}), ...(query.window ? { windowMinutes: parseWindowMinutes(query.window) } : {}) });
    return c.json({
      ran_at: new Date().toISOString(),
      models: summaries.map((s) => ({
        model: s.model,
        counts: Object.fromEntries(['pass', 'warn', 'fail', 'insufficient_data'].map((st) => [st, s.results.filter((r) => r.status === st).length])),
        changes: s.changes,
        rolled_back: s.rolledBack,
        results: s.results,
      })),
    });
  });
  return app;
}
