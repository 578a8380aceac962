/**
 * Zod schemas of the dashboard's parameters (the report window of a model page, the sign-in form, the explain
 * form) and the dashboard's routes as OpenAPI operations.
 */
import { z, type RouteConfig } from '@hono/zod-openapi';
import { DASHBOARD_WINDOWS } from '../reports/views/types.ts';
import { VersionParam } from './admin-schemas.ts';

export const DashboardQuerySchema = z.object({
  window: z.enum(DASHBOARD_WINDOWS, { error: `window must be one of ${DASHBOARD_WINDOWS.join(', ')}` }).default('24h'),
});

/** Where to return after signing in: a path on this site (never another origin). */
export const NextPathSchema = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/, 'a path on this site');

export const LoginFormSchema = z.object({
  token: z.string().max(4096).default(''),
  next: NextPathSchema.optional(),
});

/** The explain form's body (URL-encoded: JSON grows up to threefold) and the instance's JSON text. */
export const EXPLAIN_FORM_MAX_BYTES = 64 * 1024;
export const EXPLAIN_INSTANCE_MAX_CHARS = 16 * 1024;

export const ExplainFormSchema = z.object({
  instance: z
    .string({ error: 'paste an instance: a JSON object of feature values' })
    .trim()
    .min(1, 'paste an instance: a JSON object of feature values')
    .max(EXPLAIN_INSTANCE_MAX_CHARS, `at most ${EXPLAIN_INSTANCE_MAX_CHARS} characters`)
    .openapi({
      description: 'One instance as JSON, as in `instances` of POST /v1/models/{model}/predict',
      example: '{"median_income": 8.3252, "housing_median_age": 41}',
    }),
  version: VersionParam.optional().openapi({ description: 'The version to explain (default: as the deployment routes)', example: '1' }),
});

/**
 * The instance of the explain form: its JSON, or why it is not JSON. Whether it is a valid instance is the
 * model's validator's to say.
 *
 * @example
 * parseInstanceJson('{"age": 39}') // { ok: true, instance: { age: 39 } }
 */
export function parseInstanceJson(text: string): { ok: true; instance: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, instance: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const redirect = (description: string) => ({
  description,
  headers: { location: { schema: { type: 'string' as const }, description: 'Where the browser goes next' } },
});
const signedIn = {
  security: [{ adminToken: [] }],
  description:
    'Send `Authorization: Bearer <ADMIN_TOKEN>`, or sign in at /login for the session cookie `vigil_session` (HttpOnly, SameSite=Strict).',
};
const explainParams = z.object({ model: z.string().openapi({ param: { name: 'model', in: 'path' }, example: 'california-housing' }) });
const closedOrRefused = {
  401: page('No valid token or session: the sign-in form'),
  503: page('ADMIN_TOKEN is not configured: how to set it'),
};

/** The dashboard's routes as OpenAPI operations (HTML pages), so the document lists every route the app serves. */
export const DASHBOARD_OPENAPI_ROUTES: RouteConfig[] = [
  {
    method: 'get',
    path: '/',
    tags: ['Dashboard'],
    summary: 'Every model with its deployment and health',
    ...signedIn,
    responses: { 200: page('Dashboard home'), ...closedOrRefused },
  },
  {
    method: 'get',
    path: '/models',
    tags: ['Dashboard'],
    summary: 'Redirects to the dashboard home',
    ...signedIn,
    responses: { 303: redirect('To /'), ...closedOrRefused },
  },
  {
    method: 'get',
    path: '/models/{model}',
    tags: ['Dashboard'],
    summary: "A model's reports: deployment, health, shadow and canary comparisons, drift, quality, latency, ML Test Score",
    ...signedIn,
    request: {
      params: z.object({ model: z.string().openapi({ param: { name: 'model', in: 'path' }, example: 'adult-income' }) }),
      query: DashboardQuerySchema,
    },
    responses: { 200: page('The model page'), 400: page('Unknown window'), 404: page('Unknown model'), ...closedOrRefused },
  },
  {
    method: 'get',
    path: '/models/{model}/explain',
    tags: ['Dashboard'],
    summary: 'Redirects to the explain form on the model page',
    ...signedIn,
    request: { params: explainParams },
    responses: { 303: redirect('To /models/{model}#explain'), ...closedOrRefused },
  },
  {
    method: 'post',
    path: '/models/{model}/explain',
    tags: ['Dashboard'],
    summary: "Explains one instance from the model page's form: the prediction, the base value and each feature's contribution",
    ...signedIn,
    request: {
      params: explainParams,
      body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: ExplainFormSchema } } },
    },
    responses: {
      200: page('The explanation, with the form to explain another instance'),
      400: page('Not JSON, or not a valid instance: the problems by field, and the form again'),
      403: page('Form posted from another site'),
      404: page('Unknown model or version'),
      413: page('Form too large'),
      ...closedOrRefused,
    },
  },
  {
    method: 'get',
    path: '/login',
    tags: ['Dashboard'],
    summary: 'The sign-in form',
    responses: { 200: page('Sign-in form'), 303: redirect('Already signed in'), 503: page('ADMIN_TOKEN is not configured') },
  },
  {
    method: 'post',
    path: '/login',
    tags: ['Dashboard'],
    summary: 'Sign in with the admin token: sets the session cookie',
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: LoginFormSchema } } } },
    responses: {
      303: redirect('Signed in: Set-Cookie vigil_session, then to `next` or /'),
      401: page('Wrong or missing token: the form again'),
      403: page('Form posted from another site'),
      413: page('Form too large'),
      503: page('ADMIN_TOKEN is not configured'),
    },
  },
  {
    method: 'post',
    path: '/logout',
    tags: ['Dashboard'],
    summary: 'Sign out: clears the session cookie',
    responses: { 303: redirect('To /login'), 403: page('Form posted from another site') },
  },
];
