/**
 * D1 faults never stop predictions that can be answered (issue 11): the last known deployment serves while D1
 * fails, a bundled model serves its default deployment when an isolate starts during an outage, and only what
 * nothing in the isolate knows about gets 503 with Retry-After. Unknown model names cost no D1 query and leave
 * no per-isolate state behind.
 */
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { buildServices } from '../../src/services.ts';
import { faultyD1, type Fault } from '../support/faulty-bindings.ts';
import { adminHeaders, manifestOf } from './helpers.ts';
import { bundledPackage, pushPackage } from './packages.ts';

const workerEnv = env as unknown as Env;
const HOUSING = 'california-housing';
const instances = manifestOf(HOUSING, '1')
  .golden.slice(0, 3)
  .map((g) => g.instance);

/** One isolate's services over a D1 that fails when `fault` says so. */
function isolate(initial: Fault = 'ok') {
  const state = { fault: initial };
  const db = faultyD1(workerEnv.DB as unknown as D1Database, () => state.fault);
  const isolateEnv = { ...workerEnv, DB: db } as unknown as Env;
  const services = buildServices(isolateEnv);
  const app = createApp(() => services);
  const request = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init =
      body === undefined
        ? { headers }
        : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
    const res = await app.request(path, init, isolateEnv);
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  return { state, db, services, request };
}

describe('predictions while D1 fails', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  it('keeps serving the last known deployment, past its cache lifetime, and recovers when D1 does', async () => {
    const { state, request } = isolate();
    const before = await request(`/v1/models/${HOUSING}/predict`, { instances });
    expect(before.status).toBe(200);
    state.fault = 'error';
    for (let i = 0; i < 20; i++) {
      const during = await request(`/v1/models/${HOUSING}/predict`, { instances });
      expect(during.status).toBe(200);
      expect(during.body.predictions).toEqual(before.body.predictions);
    }
    state.fault = 'ok';
    expect((await request(`/v1/models/${HOUSING}/predict`, { instances })).status).toBe(200);
  });

  it('serves a bundled model from its default deployment when the isolate starts during the outage', async () => {
    const { request, db } = isolate('error');
    const res = await request(`/v1/models/${HOUSING}/predict`, { instances });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('1');
    expect(db.faults.failed).toBeGreaterThan(0);
    // The same prediction D1's own record of the version would give.
    const { request: healthy } = isolate();
    expect(res.body.predictions).toEqual((await healthy(`/v1/models/${HOUSING}/predict`, { instances })).body.predictions);
  });

  it('answers 503 with Retry-After for a pushed model the isolate knows nothing about, and 404 for a name that cannot exist', async () => {
    const pkg = bundledPackage(HOUSING, '1', '1');
    pkg.manifest.name = 'pushed-only';
    expect((await pushPackage(pkg)).status).toBe(201);
    const { request } = isolate('error');
    const res = await request('/v1/models/pushed-only/predict', { instances });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect((res.body.error as { code: string }).code).toBe('service_unavailable');
    expect(JSON.stringify(res.body)).not.toContain('D1_ERROR');
    const invalid = await request('/v1/models/NOT_A_MODEL!/predict', { instances });
    expect(invalid.status).toBe(404);
  });

  it('answers 503 with Retry-After, not 500, when an admin operation needs D1', async () => {
    const { request } = isolate('error');
    const res = await request(`/admin/models/${HOUSING}/events`, undefined, adminHeaders);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.body.error).toMatchObject({
      code: 'service_unavailable',
      message: expect.stringMatching(/cannot be read right now; retry in 10 s$/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/D1_ERROR|select|params/);
  });
});

describe('unknown model names', () => {
  it('cost no D1 query once the model list is cached, and leave no per-isolate state', async () => {
    const { db, services, request } = isolate();
    expect((await request(`/v1/models/${HOUSING}/predict`, { instances })).status).toBe(200);
    // The first unknown name reads the model list (one query); it is then cached for every other name.
    expect((await request('/v1/models/no-such-model/predict', { instances })).status).toBe(404);
    const stateBefore = services.isolate();
    const queriesBefore = db.faults.passed;
    for (let i = 0; i < 200; i++) {
      const res = await request(`/v1/models/no-such-model-${i}/predict`, { instances });
      expect(res.status).toBe(404);
      expect((res.body.error as { code: string }).code).toBe('model_not_found');
    }
    for (let i = 0; i < 50; i++) expect((await request(`/v2/models/nope-${i}`)).status).toBe(404);
    expect(db.faults.passed - queriesBefore).toBe(0);
    const stateAfter = services.isolate();
    for (const key of ['model_lists', 'packages', 'registered', 'deployments', 'served_models', 'sessions'])
      expect(stateAfter[key], key).toBe(stateBefore[key]);
  });
});
