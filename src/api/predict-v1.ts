/**
 * V1 prediction routes: Vigil's own `POST /v1/models/{model}/predict` and the KServe V1 / TF Serving form
 * `POST /v1/models/{model}:predict`. Both translate to the prediction service and back.
 */
import { Hono, type Context } from 'hono';
import { VigilError } from '../errors.ts';
import type { ClassificationPrediction, Prediction } from '../model/decode.ts';
import type { PredictResult } from '../serving/prediction-service.ts';
import { predictAuth } from './auth.ts';
import { backgroundOf } from './background.ts';
import type { AppEnv } from './context.ts';
import { readJsonBody } from './json-body.ts';
import { parseBody } from './schema-errors.ts';
import { KServeV1RequestSchema, PredictRequestSchema } from './schemas.ts';

function resultHeaders(c: Context<AppEnv>, result: PredictResult): void {
  c.header('x-model-version', result.version);
}

export function predictV1Routes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/:model/predict', predictAuth, async (c) => {
    const body = parseBody(PredictRequestSchema, await readJsonBody(c.req.raw));
    const result = await c.var.services.predictions.predict({
      model: c.req.param('model'),
      instances: body.instances,
      routingKey: c.req.header('x-routing-key') ?? body.routing_key,
      requestId: c.var.requestId,
    }, backgroundOf(c));
    resultHeaders(c, result);
    return c.json({
      model: result.model,
      version: result.version,
      request_id: result.requestId,
      predictions: result.predictions,
      ...(result.warnings.length ? { warnings: result.warnings } : {}),
    });
  });

  // `/v1/models/{model}:predict` is one path segment; matching it as `/:spec` keeps every route simple enough for
  // Hono's fastest router (a pattern with a literal after a parameter in one segment is not).
  app.post('/:spec', predictAuth, async (c) => {
    const spec = c.req.param('spec');
    if (!spec.endsWith(':predict')) throw new VigilError('not_found', 404, `no route for POST ${c.req.path}; did you mean /v1/models/{model}:predict or /v1/models/{model}/predict?`);
    const model = spec.slice(0, -':predict'.length);
    const body = parseBody(KServeV1RequestSchema, await readJsonBody(c.req.raw));
    const result = await c.var.services.predictions.predict({
      model,
      instances: body.instances,
      routingKey: c.req.header('x-routing-key'),
      requestId: c.var.requestId,
    }, backgroundOf(c));
    resultHeaders(c, result);
    return c.json({ predictions: result.predictions.map(kserveV1Prediction) });
  });

  return app;
}

/** KServe V1 predictions are plain values for regression and `{label, probabilities}` objects otherwise. */
function kserveV1Prediction(p: Prediction): number | ClassificationPrediction {
  return 'value' in p ? p.value : p;
}
