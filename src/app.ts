/**
 * The Hono app: middleware and route mounting only. Services are injected so tests can run the same app
 * over fakes.
 */
import { Hono } from 'hono';
import type { Env } from './env.ts';
import { isStorageFailure, ServiceUnavailableError, VigilError } from './errors.ts';
import type { AppEnv, Services } from './api/context.ts';
import { adminRoutes } from './api/admin.ts';
import { feedbackRoutes } from './api/feedback.ts';
import { dashboardRoutes } from './api/dashboard.tsx';
import { checksRunRoutes, modelHealthRoutes, serviceHealthRoutes } from './api/health.ts';
import { oipV2Routes } from './api/oip-v2.ts';
import { openApiRoutes } from './api/openapi.ts';
import { predictV1Routes } from './api/predict-v1.ts';
import { reportRoutes } from './api/reports.ts';
import { assignRequestId } from './api/request-id.ts';

export type ServicesFactory = (env: Env) => Services;

/** OIP V2 routes report errors in the spec's shape: `{"error": "<message>"}`. */
function isOipV2Path(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/');
}

export function createApp(services: ServicesFactory): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // One middleware for every request (each one costs a dispatch on the hot path).
  app.use('*', async (c, next) => {
    c.set('services', services(c.env));
    assignRequestId(c);
    await next();
  });

  app.route('/v1/models', predictV1Routes());
  app.route('/v1/models', feedbackRoutes());
  app.route('/v1/models', modelHealthRoutes());
  app.route('/v1/models', reportRoutes());
  app.route('/v2', oipV2Routes());
  app.route('/admin', adminRoutes());
  app.route('/admin', checksRunRoutes());
  app.route('/admin', serviceHealthRoutes());
  app.route('/', openApiRoutes());
  app.route('/', dashboardRoutes());

  app.notFound((c) => {
    const message = `no route for ${c.req.method} ${c.req.path}`;
    if (isOipV2Path(c.req.path)) return c.json({ error: message }, 404);
    return c.json({ error: { code: 'not_found', message, details: [] } }, 404);
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (requestId) c.header('x-request-id', requestId);
    if (error instanceof VigilError) {
      if (error instanceof ServiceUnavailableError) c.header('retry-after', String(error.retryAfterSeconds));
      if (isOipV2Path(c.req.path)) return c.json({ error: error.message, code: error.code, details: error.details }, error.status);
      return c.json(error.toJSON(), error.status);
    }
    if (isStorageFailure(error)) {
      // D1 failed under an operation that needs it (a push, a deployment change, a report): not a bug, a fault.
      const unavailable = new ServiceUnavailableError('storage', error);
      c.header('retry-after', String(unavailable.retryAfterSeconds));
      if (isOipV2Path(c.req.path)) return c.json({ error: unavailable.message }, 503);
      return c.json(unavailable.toJSON(), 503);
    }
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'unhandled error',
        path: c.req.path,
        requestId,
        error: String(error),
        stack: error instanceof Error ? error.stack : undefined,
      }),
    );
    const body = { code: 'internal_error', message: 'internal error; it has been logged', details: [] };
    if (isOipV2Path(c.req.path)) return c.json({ error: body.message }, 500);
    return c.json({ error: body }, 500);
  });

  return app;
}
