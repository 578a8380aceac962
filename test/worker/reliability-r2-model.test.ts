/**
 * Faults found by `npm run chaos`: R2 failing under a push is a 503 with Retry-After (not an unhandled 500), and a
 * version whose model runs throw answers 500 model_error naming the version, logged once in a while rather than
 * with a stack trace per request.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { buildServices } from '../../src/services.ts';
import { faultyR2, faultyRuntime, type Fault } from '../support/faulty-bindings.ts';
import { adminHeaders, manifestOf } from './helpers.ts';
import { bundledPackage, packageForm } from './packages.ts';

const workerEnv = env as unknown as Env;
const HOUSING = 'california-housing';
const instances = manifestOf(HOUSING, '1')
  .golden.slice(0, 2)
  .map((g) => g.instance);

afterEach(() => vi.restoreAllMocks());

describe('a push while R2 fails', () => {
  it('answers 503 with Retry-After, records nothing, and succeeds once R2 is back', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const state = { fault: 'error' as Fault };
    const isolateEnv = { ...workerEnv, MODELS: faultyR2(workerEnv.MODELS as unknown as R2Bucket, () => state.fault) } as unknown as Env;
    const services = buildServices(isolateEnv);
    const app = createApp(() => services);
    const push = () =>
      app.request(
        `/admin/models/${HOUSING}/versions/5`,
        { method: 'PUT', headers: adminHeaders, body: packageForm(bundledPackage(HOUSING, '1', '5')) },
        isolateEnv,
      );

    const refused = await push();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
    expect(errors.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringContaining('unhandled error'));
    const recorded = await workerEnv.DB.prepare(`SELECT count(*) AS n FROM model_versions WHERE model = ? AND version = 5`)
      .bind(HOUSING)
      .first<{ n: number }>();
    expect(recorded!.n).toBe(0);

    state.fault = 'ok';
    expect((await push()).status).toBe(201);
  });
});

describe('a version whose model runs fail', () => {
  it('answers 500 model_error naming the version, and logs the failures once in a while, not per request', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const state = { fault: 'ok' as Fault };
    const runtime = faultyRuntime(
      new OrtRuntime(),
      () => true,
      () => state.fault,
    );
    const services = buildServices(workerEnv, { runtime });
    const app = createApp(() => services);
    const predict = () =>
      app.request(
        `/v1/models/${HOUSING}/predict`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) },
        workerEnv,
      );
    expect((await predict()).status).toBe(200);

    state.fault = 'error';
    for (let i = 0; i < 5; i++) {
      const res = await predict();
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('model_error');
      expect(body.error.message).toMatch(/model "california-housing" version 1 failed to run/);
      // What ONNX Runtime said stays in the logs.
      expect(body.error.message).not.toContain('injected fault');
    }
    const logged = errors.mock.calls.map((c) => String(c[0]));
    expect(logged.filter((line) => line.includes('unhandled error'))).toEqual([]);
    const failures = logged.filter((line) => line.includes('model run failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('injected fault');

    state.fault = 'ok';
    expect((await predict()).status).toBe(200);
  });
});
