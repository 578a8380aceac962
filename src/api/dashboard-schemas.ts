/**
 * Zod schemas of the dashboard's parameters (the report window of a model page, the sign-in form) and the
 * dashboard's routes as OpenAPI operations.
 */
import { z, type RouteConfig } from '@hono/zod-openapi';
import { DASHBOARD_WINDOWS } from '../reports/views/types.ts';

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

const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const redirect = (description: string) => ({ description, headers: { location: { schema: { type: 'string' as const }, description: 'Where the browser goes next' } } });
const signedIn = {
  security: [{ adminToken: [] }],
  description: 'Send `Authorization: Bearer <ADMIN_TOKEN>`, or sign in at /login for the session cookie `vigil_session` (HttpOnly, SameSite=Strict).',
};
const closedOrRefused = { 401: page('No valid token or session: the sign-in form'), 503: page('ADMIN_TOKEN is not configured: how to set it') };

/** The dashboard's routes as OpenAPI operations (HTML pages), so the document lists every route the app serves. */
export const DASHBOARD_OPENAPI_ROUTES: RouteConfig[] = [
  { method: 'get', path: '/', tags: ['Dashboard'], summary: 'Every model with its deployment and health', ...signedIn, responses: { 200: page('Dashboard home'), ...closedOrRefused } },
  { method: 'get', path: '/models', tags: ['Dashboard'], summary: 'Redirects to the dashboard home', ...signedIn, responses: { 303: redirect('To /'), ...closedOrRefused } },
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
  { method: 'get', path: '/login', tags: ['Dashboard'], summary: 'The sign-in form', responses: { 200: page('Sign-in form'), 303: redirect('Already signed in'), 503: page('ADMIN_TOKEN is not configured') } },
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
  { method: 'post', path: '/logout', tags: ['Dashboard'], summary: 'Sign out: clears the session cookie', responses: { 303: redirect('To /login'), 403: page('Form posted from another site') } },
];
