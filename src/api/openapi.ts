/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with, and the
 * interactive reference at /docs (Swagger UI, served from this Worker's static assets so it works offline).
 */
import { Hono } from 'hono';
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import { MAX_EXPLAIN_INSTANCES } from '../serving/prediction-service.ts';
import { VIGIL_VERSION } from '../version.ts';
import {
  ChecksRunQuerySchema,
  DeploymentChangeSchema,
  EngineChangeSchema,
  EventsQuerySchema,
  ModelNameParam,
  VersionParam,
  WindowParam,
} from './admin-schemas.ts';
import type { AppEnv } from './context.ts';
import { DASHBOARD_OPENAPI_ROUTES } from './dashboard-schemas.ts';
import {
  DeploymentEventSchema as DeploymentEvent,
  DeploymentSchema as Deployment,
  HealthCheckResultSchema as HealthResult,
  ModelVersionDetailSchema,
  ModelVersionSchema as Version,
  TelemetryHealthSchema as TelemetryHealth,
} from './wire.ts';
import { ReportKindSchema } from './report-schemas.ts';
import {
  ErrorResponseSchema,
  ExplainResponseSchema,
  FeedbackRequestSchema,
  InstanceSchema,
  FeedbackResponseSchema,
  KServeV1RequestSchema,
  KServeV1ResponseSchema,
  PredictRequestSchema,
  PredictResponseSchema,
  V2ErrorSchema,
  V2InferRequestSchema,
  V2InferResponseSchema,
  V2ModelMetadataSchema,
} from './schemas.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const error = (description: string) => json(ErrorResponseSchema, description);
const v2Error = (description: string) => json(V2ErrorSchema, description);

const model = z.object({ model: ModelNameParam.openapi({ param: { name: 'model', in: 'path' }, example: 'california-housing' }) });
const modelVersion = model.extend({ version: VersionParam.openapi({ param: { name: 'version', in: 'path' }, example: '2' }) });
const requestIdHeader = z.object({
  'x-request-id': z
    .string()
    .optional()
    .openapi({ param: { name: 'x-request-id', in: 'header' }, description: 'Echoed back; joins feedback to this prediction' }),
  'x-routing-key': z
    .string()
    .optional()
    .openapi({ param: { name: 'x-routing-key', in: 'header' }, description: 'Keeps a caller on one version while a canary runs' }),
});

const Anything = z.record(z.string(), z.unknown());

const admin = { security: [{ adminToken: [] }] };
const debugQuery = z.object({
  debug: z
    .enum(['true', 'false'])
    .optional()
    .openapi({
      param: { name: 'debug', in: 'query' },
      description:
        'true adds the debug trace (validated instances, encoded tensors, raw outputs, engine); ' +
        'needs the admin token instead of an API key',
    }),
});
const adminErrors = { 401: error('Missing or wrong admin token'), 503: error('ADMIN_TOKEN is not configured: admin routes are closed') };
const predictErrors = {
  400: error('Invalid input: the details name the instance and field'),
  401: error('PREDICT_TOKENS is set and no valid API key was sent'),
  404: error('Unknown model or version'),
  413: error('Body larger than 1 MiB'),
  415: error('Content-Type is not JSON'),
  503: error(
    'D1 cannot be read and nothing in the isolate can answer (with Retry-After), or every configured token is shorter than 16 characters',
  ),
};

/** Every route the app serves, described for OpenAPI. */
export const ROUTES: RouteConfig[] = [
  {
    method: 'post',
    path: '/v1/models/{model}/predict',
    tags: ['Predict'],
    summary: "Predict with Vigil's JSON API",
    request: {
      params: model,
      query: debugQuery,
      headers: requestIdHeader,
      body: { required: true, content: { 'application/json': { schema: PredictRequestSchema } } },
    },
    responses: { 200: json(PredictResponseSchema, 'Predictions, one per instance'), ...predictErrors },
  },
  {
    method: 'post',
    path: '/v1/models/{model}:predict',
    tags: ['Predict'],
    summary: 'Predict (KServe V1 / TF Serving REST)',
    request: {
      params: model,
      query: debugQuery,
      headers: requestIdHeader,
      body: { required: true, content: { 'application/json': { schema: KServeV1RequestSchema } } },
    },
    responses: { 200: json(KServeV1ResponseSchema, 'Predictions, one per instance'), ...predictErrors },
  },
  ...(['/v1/models/{model}/explain', '/v1/models/{model}/versions/{version}/explain', '/v1/models/{model}:explain'] as const).map(
    (path): RouteConfig => ({
      method: 'post',
      path,
      tags: ['Predict'],
      summary:
        'Explain predictions' +
        (path.includes('{version}') ? ' of a pinned version' : path.endsWith(':explain') ? ' (KServe V1 verb)' : '') +
        ': per instance, one contribution per feature summing to the explained output minus the base value ' +
        `(at most ${MAX_EXPLAIN_INSTANCES} instances)`,
      request: {
        params: path.includes('{version}') ? modelVersion : model,
        body: {
          required: true,
          content: { 'application/json': { schema: path.endsWith(':explain') ? KServeV1RequestSchema : PredictRequestSchema } },
        },
      },
      responses: {
        200: json(ExplainResponseSchema, 'Explanations, one per instance'),
        ...predictErrors,
        422: error('No method can explain this graph (the message says why)'),
      },
    }),
  ),
  {
    method: 'post',
    path: '/v1/models/{model}/feedback',
    tags: ['Predict'],
    summary: 'Send delayed ground truth for predictions (needs a feedback token: FEEDBACK_TOKENS, PREDICT_TOKENS or the admin token)',
    security: [{ feedbackToken: [] }],
    request: { params: model, body: { required: true, content: { 'application/json': { schema: FeedbackRequestSchema } } } },
    responses: {
      200: json(FeedbackResponseSchema, 'Stored labels; ids without a logged prediction are listed as unknown'),
      ...predictErrors,
      503: error('No feedback token of any kind is configured: feedback is closed, never open'),
    },
  },
  {
    method: 'get',
    path: '/v1/models/{model}/health',
    tags: ['Monitoring'],
    summary: 'Latest result of every health check',
    ...admin,
    request: { params: model },
    responses: {
      200: json(
        z.object({
          model: z.string(),
          status: z.string(),
          checked_at: z.string().nullable(),
          checks: z.array(HealthResult),
          telemetry: TelemetryHealth,
        }),
        'Health',
      ),
      404: error('Unknown model'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v1/models/{model}/reports/{kind}',
    tags: ['Reports'],
    summary: 'Shadow, canary, drift, quality or ML Test Score report',
    ...admin,
    request: {
      params: model.extend({ kind: ReportKindSchema.openapi({ param: { name: 'kind', in: 'path' } }) }),
      query: z.object({ window: WindowParam.optional().openapi({ param: { name: 'window', in: 'query' }, example: '24h' }) }),
    },
    responses: {
      200: json(Anything.openapi('Report'), 'The report'),
      400: error('Unknown report kind or window'),
      404: error('Unknown model'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/v2',
    tags: ['Open Inference Protocol V2'],
    summary: 'Server metadata',
    responses: { 200: json(z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }), 'Server metadata') },
  },
  {
    method: 'get',
    path: '/v2/health/live',
    tags: ['Open Inference Protocol V2'],
    summary: 'Liveness',
    responses: { 200: json(z.object({ live: z.boolean() }), 'Live') },
  },
  {
    method: 'get',
    path: '/v2/health/ready',
    tags: ['Open Inference Protocol V2'],
    summary: 'Readiness: every model can serve',
    responses: { 200: json(z.object({ ready: z.boolean() }), 'Ready'), 400: json(z.object({ ready: z.boolean() }), 'Not ready') },
  },
  ...(['/v2/models/{model}', '/v2/models/{model}/versions/{version}'] as const).map(
    (path): RouteConfig => ({
      method: 'get',
      path,
      tags: ['Open Inference Protocol V2'],
      summary: 'Model metadata: versions, platform, input and output tensors',
      request: { params: path.includes('{version}') ? modelVersion : model },
      responses: { 200: json(V2ModelMetadataSchema, 'Model metadata'), 404: v2Error('Unknown model or version') },
    }),
  ),
  ...(['/v2/models/{model}/ready', '/v2/models/{model}/versions/{version}/ready'] as const).map(
    (path): RouteConfig => ({
      method: 'get',
      path,
      tags: ['Open Inference Protocol V2'],
      summary: 'Model readiness (loads the model)',
      request: { params: path.includes('{version}') ? modelVersion : model },
      responses: {
        200: json(z.object({ name: z.string(), ready: z.boolean() }), 'Ready'),
        400: json(z.object({ name: z.string(), ready: z.boolean() }), 'Not ready'),
        404: v2Error('Unknown model or version'),
      },
    }),
  ),
  ...(['/v2/models/{model}/infer', '/v2/models/{model}/versions/{version}/infer'] as const).map(
    (path): RouteConfig => ({
      method: 'post',
      path,
      tags: ['Open Inference Protocol V2'],
      summary: 'Inference with one input tensor per feature',
      request: {
        params: path.includes('{version}') ? modelVersion : model,
        body: { required: true, content: { 'application/json': { schema: V2InferRequestSchema } } },
      },
      responses: {
        200: json(V2InferResponseSchema, 'Output tensors'),
        400: v2Error('Invalid input'),
        401: v2Error('Missing API key'),
        404: v2Error('Unknown model or version'),
      },
    }),
  ),
  {
    method: 'get',
    path: '/admin/models',
    tags: ['Admin'],
    summary: 'Models with versions and deployments',
    ...admin,
    responses: { 200: json(z.object({ models: z.array(Anything) }), 'Models'), ...adminErrors },
  },
  {
    method: 'get',
    path: '/admin/models/{model}/versions',
    tags: ['Admin'],
    summary: 'Versions of a model with their QA status',
    ...admin,
    request: { params: model },
    responses: {
      200: json(z.object({ model: z.string(), versions: z.array(Version) }), 'Versions'),
      404: error('Unknown model'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/admin/models/{model}/versions/{version}',
    tags: ['Admin'],
    summary: 'One version: QA report, manifest, offline metrics',
    ...admin,
    request: { params: modelVersion },
    responses: {
      200: json(ModelVersionDetailSchema, 'Version'),
      404: error('Unknown model or version'),
      ...adminErrors,
    },
  },
  {
    method: 'put',
    path: '/admin/models/{model}/versions/{version}',
    tags: ['Admin'],
    summary: 'Push a model version (runs the QA gate)',
    ...admin,
    request: {
      params: modelVersion,
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z.object({
              model: z.string().openapi({ type: 'string', format: 'binary' }),
              manifest: z.string().openapi({ type: 'string', format: 'binary' }),
            }),
          },
        },
      },
    },
    responses: {
      200: json(Version, 'The identical package was already registered'),
      201: json(
        Version.extend({ deployment: Deployment.optional() }),
        'Registered; QA passed. A model pushed for the first time also gets its deployment, with this version as the primary',
      ),
      400: error('Invalid manifest, sha256 mismatch or missing parts'),
      409: error('Version exists with other bytes, or is older than the latest'),
      413: error('Package too large'),
      415: error('Not multipart/form-data'),
      422: json(
        z.object({ error: ErrorResponseSchema.shape.error, version: Version }),
        'Registered, but QA failed: the version can never serve',
      ),
      ...adminErrors,
    },
  },
  {
    method: 'put',
    path: '/admin/models/{model}/versions/{version}/engine',
    tags: ['Admin'],
    summary:
      'Force the engine a version serves on, or "auto" for the QA gate\'s choice ' +
      '(forcing "compiled" needs proven parity with ONNX Runtime)',
    ...admin,
    request: { params: modelVersion, body: { required: true, content: { 'application/json': { schema: EngineChangeSchema } } } },
    responses: {
      200: json(Version, 'The version with its engine'),
      400: error('Invalid engine'),
      404: error('Unknown model or version'),
      409: error('The version failed QA, or the compiled evaluator cannot run it or does not match ONNX Runtime on it'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/admin/models/{model}/deployment',
    tags: ['Admin'],
    summary: 'The current deployment',
    ...admin,
    request: { params: model },
    responses: { 200: json(Deployment, 'Deployment'), 404: error('Unknown model'), ...adminErrors },
  },
  {
    method: 'post',
    path: '/admin/models/{model}/deployment',
    tags: ['Admin'],
    summary: 'Change the deployment: promote, canary, clear_canary, shadow, clear_shadow, rollback, sampling',
    ...admin,
    request: { params: model, body: { required: true, content: { 'application/json': { schema: DeploymentChangeSchema } } } },
    responses: {
      200: json(z.object({ deployment: Deployment, event: DeploymentEvent }), 'The new deployment and its audit event'),
      400: error('Invalid action'),
      404: error('Unknown model or version'),
      409: error('The version failed QA, there is nothing to roll back to, or the action does not apply'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/admin/models/{model}/events',
    tags: ['Admin'],
    summary: 'Audit trail of deployment changes, newest first',
    ...admin,
    request: { params: model, query: EventsQuerySchema },
    responses: {
      200: json(z.object({ model: z.string(), events: z.array(DeploymentEvent) }), 'Events'),
      404: error('Unknown model'),
      ...adminErrors,
    },
  },
  {
    method: 'post',
    path: '/admin/checks/run',
    tags: ['Monitoring'],
    summary: 'Run the health checks now (the cron does every 5 minutes)',
    ...admin,
    request: { query: ChecksRunQuerySchema },
    responses: {
      200: json(z.object({ ran_at: z.string(), models: z.array(Anything) }), 'Results per model'),
      400: error('Bad window'),
      404: error('Unknown model'),
      409: error('Another run (the cron or another caller) holds the checks lease'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/admin/health',
    tags: ['Monitoring'],
    summary: "The service's own health: telemetry dead-lettered, replayed or dropped, and what this isolate holds",
    ...admin,
    responses: {
      200: json(z.object({ telemetry: TelemetryHealth, isolate: z.record(z.string(), z.number()) }), 'Service health'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tags: ['Reference'],
    summary: 'This document',
    responses: { 200: json(Anything, 'OpenAPI 3.1') },
  },
  { method: 'get', path: '/docs', tags: ['Reference'], summary: 'Interactive API reference', responses: { 200: html('Swagger UI') } },
];

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const doc = new OpenAPIHono();
  doc.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  doc.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of PREDICT_TOKENS (only when configured)',
  });
  doc.openAPIRegistry.registerComponent('securitySchemes', 'feedbackToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of FEEDBACK_TOKENS, else of PREDICT_TOKENS, or ADMIN_TOKEN',
  });
  // Instances are checked against the model's manifest, not by zod; the component documents their shape.
  doc.openAPIRegistry.register('Instance', InstanceSchema);
  // The dashboard's HTML routes are documented too, so the document lists every route the app serves.
  for (const route of [...ROUTES, ...DASHBOARD_OPENAPI_ROUTES]) doc.openAPIRegistry.registerPath(route);
  cached = doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Vigil',
      version: VIGIL_VERSION,
      description:
        'Serve ONNX models from Cloudflare Workers with validation, canary, shadow testing and monitoring. ' +
        'Errors are `{"error": {"code", "message", "details"}}` (Open Inference Protocol routes: `{"error": "<message>"}`).',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
  });
  return cached;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil API reference</title><link rel="stylesheet" href="/swagger-ui/swagger-ui.css"></head>
<body><div id="docs"></div><script src="/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: false });</script>
</body></html>`;

export function openApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  return app;
}
