import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { adminAuth } from '../../src/api/admin-auth.ts';
import type { Services } from '../../src/api/context.ts';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { ADMIN_TOKEN, fetchWorker, type ApiError } from './helpers.ts';

/** Services no refused request may touch: a route that reached one before the guard answers 500, not 401/503. */
const untouchable = new Proxy({} as Services, {
  get(_target, name) {
    throw new Error(`the admin guard let a request reach services.${String(name)}`);
  },
});

// The same app the Worker serves, over services that must stay unused: the guard runs before any of them.
const app = createApp(() => untouchable);

const isMiddleware = (r: { method: string; path: string }) => r.method === 'ALL' && r.path.endsWith('*');

/** Routes outside /admin that declare the admin guard themselves (reports, health). */
const guardedElsewhere = new Set(app.routes.filter((r) => r.handler === adminAuth && !isMiddleware(r)).map((r) => `${r.method} ${r.path}`));

/**
 * Every route that needs the admin token, from the app's own route table: everything under /admin, and any
 * other route carrying the admin guard. A new admin route is tested without anyone listing it here.
 */
const adminRoutes = (() => {
  const seen = new Set<string>();
  const routes: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (isMiddleware(r)) continue; // the guard itself, mounted on /admin/*
    const underAdmin = r.path === '/admin' || r.path.startsWith('/admin/');
    if (!underAdmin && !guardedElsewhere.has(`${r.method} ${r.path}`)) continue;
    const method = r.method === 'ALL' ? 'GET' : r.method;
    const key = `${method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method, path: r.path });
  }
  return routes;
})();

/** A concrete URL for a route pattern: valid parameters, so only the guard can refuse. */
function concrete(path: string): string {
  return path
    .replace(/:model(\{[^}]*\})?/g, 'california-housing')
    .replace(/:version(\{[^}]*\})?/g, '1')
    .replace(/:[A-Za-z_]+(\{[^}]*\})?/g, 'x')
    .replace(/\*$/, 'x');
}

function requestInit(method: string, authorization?: string): RequestInit {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  if (method === 'GET' || method === 'HEAD') return { method, headers };
  // A body the route would accept, so a missing guard would show up as a 2xx.
  return {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'shadow', version: '2', sample_rate: 0.5 }),
  };
}

async function expectJsonError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as ApiError;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

const workerEnv = env as unknown as Env;

describe('admin routes: authentication', () => {
  it('finds every admin route in the app', () => {
    const listed = adminRoutes.map((r) => `${r.method} ${r.path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /admin/models',
        'GET /admin/models/:model/versions',
        'GET /admin/models/:model/versions/:version',
        'PUT /admin/models/:model/versions/:version',
        'GET /admin/models/:model/deployment',
        'POST /admin/models/:model/deployment',
        'GET /admin/models/:model/events',
      ]),
    );
  });

  it('lets the right token through (so the refusals below are the guard, not the route)', async () => {
    const res = await fetchWorker('/admin/models', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const deployment = await fetchWorker('/admin/models/california-housing/deployment', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(deployment.status).toBe(200);
  });

  it('sees the environment it is given (401 with ADMIN_TOKEN set, 503 without)', async () => {
    await expectJsonError(await app.request('/admin/models', {}, workerEnv), 401, 'unauthorized');
    await expectJsonError(await app.request('/admin/models', {}, { ...workerEnv, ADMIN_TOKEN: undefined } as Env), 503, 'admin_disabled');
  });

  for (const { method, path } of adminRoutes) {
    describe(`${method} ${path}`, () => {
      it('answers 401 without a token', async () => {
        await expectJsonError(await fetchWorker(concrete(path), requestInit(method)), 401, 'unauthorized');
      });

      it.each([
        ['a wrong token', `Bearer not-${ADMIN_TOKEN}`],
        ['the token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
        ['a prefix of the token', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
        ['the token without "Bearer"', ADMIN_TOKEN],
        ['another scheme', `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`],
      ])('answers 401 with %s', async (_label, authorization) => {
        await expectJsonError(await fetchWorker(concrete(path), requestInit(method, authorization)), 401, 'unauthorized');
      });

      it.each([
        ['unset', undefined],
        ['empty', ''],
        ['blank', '   '],
      ])('answers 503 when ADMIN_TOKEN is %s, even to a bearer of the old token', async (_label, token) => {
        const closed = { ...workerEnv, ADMIN_TOKEN: token } as Env;
        await expectJsonError(await app.request(concrete(path), requestInit(method), closed), 503, 'admin_disabled');
        await expectJsonError(
          await app.request(concrete(path), requestInit(method, `Bearer ${ADMIN_TOKEN}`), closed),
          503,
          'admin_disabled',
        );
        await expectJsonError(await app.request(concrete(path), requestInit(method, 'Bearer '), closed), 503, 'admin_disabled');
      });
    });
  }

  it('guards admin paths that match no route too', async () => {
    await expectJsonError(await fetchWorker('/admin'), 401, 'unauthorized');
    await expectJsonError(await fetchWorker('/admin/not-a-route'), 401, 'unauthorized');
    await expectJsonError(
      await app.request('/admin/not-a-route', {}, { ...workerEnv, ADMIN_TOKEN: undefined } as Env),
      503,
      'admin_disabled',
    );
  });
});

/**
 * Routes anyone may call. Every other route of the app must refuse a request without credentials: a new
 * route is closed by this test unless it is added here on purpose.
 */
const PUBLIC_ROUTES = new Set([
  'POST /v1/models/:model/predict',
  'POST /v1/models/:spec',
  // Explanations are guarded like predictions (PREDICT_TOKENS when set), as KServe's explainers are.
  'POST /v1/models/:model/explain',
  'POST /v1/models/:model/versions/:version/explain',
  'GET /v2',
  'GET /v2/health/live',
  'GET /v2/health/ready',
  'GET /v2/models/:model',
  'GET /v2/models/:model/versions/:version',
  'GET /v2/models/:model/ready',
  'GET /v2/models/:model/versions/:version/ready',
  'POST /v2/models/:model/infer',
  'POST /v2/models/:model/versions/:version/infer',
  'GET /openapi.json',
  'GET /docs',
  'GET /login',
  'POST /login',
  'POST /logout',
]);

describe('every other route: authentication', () => {
  const closedRoutes = [
    ...new Set(app.routes.filter((r) => !isMiddleware(r) && r.method !== 'ALL').map((r) => `${r.method} ${r.path}`)),
  ].filter((r) => !PUBLIC_ROUTES.has(r));

  it('finds the dashboard, report and health routes among the closed ones', () => {
    expect(closedRoutes).toEqual(
      expect.arrayContaining(['GET /', 'GET /models/:model', 'GET /v1/models/:model/reports/:kind', 'GET /v1/models/:model/health']),
    );
  });

  for (const route of closedRoutes) {
    it(`${route} refuses a request without credentials (401 with the token set, 503 without), touching nothing`, async () => {
      const [method, path] = route.split(' ') as [string, string];
      const open = await app.request(concrete(path), requestInit(method), workerEnv);
      expect([401, 303, 302]).toContain(open.status);
      if (open.status !== 401) expect(open.headers.get('location')).not.toMatch(/^https?:/);
      const closed = await app.request(concrete(path), requestInit(method), { ...workerEnv, ADMIN_TOKEN: undefined } as Env);
      expect([503, 303, 302]).toContain(closed.status);
    });
  }
});
