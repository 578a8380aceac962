/**
 * The Hono app: middleware and route mounting only. Services are injected so tests can run the same app
 * over fakes.
 */
import { Hono } from 'hono';
import type { Env } from './env.ts';
import { isStorageFailure, ServiceUnavailableError, VigilError } from './errors.ts';
import type { AppEnv, ErrorBodyWriter, Services } from './api/context.ts';
import { adminRoutes } from './api/admin.ts';
import { feedbackRoutes } from './api/feedback.ts';
import { dashboardRoutes } from './api/dashboard.tsx';
import { checksRunRoutes, modelHealthRoutes, serviceHealthRoutes } from './api/health.ts';
import { oipV2Routes, v2ErrorShape } from './api/oip-v2.ts';
import { openApiRoutes } from './api/openapi.ts';
import { predictV1Routes } from './api/predict-v1.ts';
import { reportRoutes } from './api/reports.ts';
import { assignRequestId } from './api/request-id.ts';

export type ServicesFactory = (env: Env) => Services;

/** Vigil's error body; a route group may write its own (the OIP V2 routes do: `errorBody`). */
const vigilErrorBody: ErrorBodyWriter = ({ code, message, details }) => ({ error: { code, message, details } });

export function createApp(services: ServicesFactory): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // The Open Inference Protocol's routes write errors in its shape, from before the first middleware.
  app.use('/v2', v2ErrorShape);
  app.use('/v2/*', v2ErrorShape);
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
    const body = c.get('errorBody') ?? vigilErrorBody;
    return c.json(body({ code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}`, details: [] }), 404);
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (requestId) c.header('x-request-id', requestId);
    const body = c.get('errorBody') ?? vigilErrorBody;
    if (error instanceof VigilError) {
      if (error instanceof ServiceUnavailableError) c.header('retry-after', String(error.retryAfterSeconds));
      return c.json(body(error), error.status);
    }
    if (isStorageFailure(error)) {
      // D1 failed under an operation that needs it (a push, a deployment change, a report): not a bug, a fault.
      const unavailable = new ServiceUnavailableError('storage', error);
      c.header('retry-after', String(unavailable.retryAfterSeconds));
      return c.json(body(unavailable), 503);
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
    return c.json(body({ code: 'internal_error', message: 'internal error; it has been logged', details: [] }), 500);
  });

  return app;
}
