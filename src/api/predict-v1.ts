/**
 * V1 prediction routes: Vigil's own `POST /v1/models/{model}/predict` and the KServe V1 / TF Serving form
 * `POST /v1/models/{model}:predict`, and their explanations (`/explain`, `/versions/{v}/explain`, `:explain`).
 * All translate to the prediction service and back. `?debug=true` (admin token) adds the debug trace.
 */
import { Hono, type Context } from 'hono';
import { InvalidRequestError, NotFoundError } from '../errors.ts';
import type { ClassificationPrediction, Prediction } from '../model/decode.ts';
import type { ExplainResult, PredictResult } from '../serving/prediction-service.ts';
import { predictAuth } from './auth.ts';
import { predictOrDebugAuth } from './debug-auth.ts';
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

  app.post('/:model/predict', predictOrDebugAuth, async (c) => {
    const body = parseBody(PredictRequestSchema, await readJsonBody(c.req.raw));
    const result = await c.get('services').predictions.predict(
      {
        model: c.req.param('model'),
        instances: body.instances,
        routingKey: c.req.header('x-routing-key') ?? body.routing_key,
        requestId: c.get('requestId'),
        debug: c.get('debug') === true,
      },
      backgroundOf(c),
    );
    resultHeaders(c, result);
    return c.json({
      model: result.model,
      version: result.version,
      request_id: result.requestId,
      predictions: result.predictions,
      ...(result.warnings.length ? { warnings: result.warnings } : {}),
      ...(result.trace ? { debug: result.trace } : {}),
    });
  });

  const explain = async (
    c: Context<AppEnv>,
    model: string,
    version: string | undefined,
    routingKey: string | undefined,
    instances: unknown[],
  ) => {
    const result = await c.get('services').predictions.explain({
      model,
      ...(version !== undefined ? { version } : {}),
      instances,
      routingKey,
      requestId: c.get('requestId'),
    });
    c.header('x-model-version', result.version);
    return c.json(explainJson(result));
  };
  app.post('/:model/explain', predictAuth, async (c) => {
    const body = parseBody(PredictRequestSchema, await readJsonBody(c.req.raw));
    return explain(c, c.req.param('model'), undefined, c.req.header('x-routing-key') ?? body.routing_key, body.instances);
  });
  app.post('/:model/versions/:version/explain', predictAuth, async (c) => {
    const body = parseBody(PredictRequestSchema, await readJsonBody(c.req.raw));
    return explain(c, c.req.param('model'), c.req.param('version'), undefined, body.instances);
  });

  // `/v1/models/{model}:predict` is one path segment; matching it as `/:spec` keeps every route simple enough for
  // Hono's fastest router (a pattern with a literal after a parameter in one segment is not).
  app.post('/:spec', predictOrDebugAuth, async (c) => {
    const spec = c.req.param('spec');
    const verb = /:(predict|explain)$/.exec(spec)?.[1];
    if (!verb)
      throw new NotFoundError(`no route for POST ${c.req.path}; did you mean /v1/models/{model}:predict or /v1/models/{model}/predict?`);
    const model = spec.slice(0, -(verb.length + 1));
    const body = parseBody(KServeV1RequestSchema, await readJsonBody(c.req.raw));
    if (verb === 'explain') {
      if (c.get('debug'))
        throw new InvalidRequestError('debug applies to predictions, not explanations', [
          { field: 'debug', code: 'invalid', message: 'leave it out for :explain' },
        ]);
      return explain(c, model, undefined, c.req.header('x-routing-key'), body.instances);
    }
    const result = await c.get('services').predictions.predict(
      {
        model,
        instances: body.instances,
        routingKey: c.req.header('x-routing-key'),
        requestId: c.get('requestId'),
        debug: c.get('debug') === true,
      },
      backgroundOf(c),
    );
    resultHeaders(c, result);
    return c.json({ predictions: result.predictions.map(kserveV1Prediction), ...(result.trace ? { debug: result.trace } : {}) });
  });

  return app;
}

/** KServe V1 predictions are plain values for regression and `{label, probabilities}` objects otherwise. */
function kserveV1Prediction(p: Prediction): number | ClassificationPrediction {
  return 'value' in p ? p.value : p;
}

/**
 * An explanation response: how the version is explained (method, the space contributions are in, what maps that
 * space to the served output, what the base value is the expectation over), then per instance the served
 * prediction, the explained output in that space, its base value and one contribution per feature and output
 * (in `outputs` order), which sum to `explained − base_value`.
 */
export function explainJson(result: ExplainResult) {
  const { info } = result;
  return {
    model: result.model,
    version: result.version,
    request_id: result.requestId,
    method: info.method,
    space: info.space,
    outputs: info.outputs,
    transform: info.transform,
    reference: info.reference,
    background_rows: info.background_rows,
    ...(info.cover ? { cover: info.cover } : {}),
    ...(info.fallback_reason ? { fallback_reason: info.fallback_reason } : {}),
    explanations: result.explanations.map((e, i) => ({
      prediction: result.predictions[i],
      explained: e.prediction,
      base_value: e.base_value,
      contributions: e.contributions,
      ...(e.error ? { standard_error: e.error } : {}),
      ...(e.budget ? { budget: e.budget } : {}),
    })),
  };
}
