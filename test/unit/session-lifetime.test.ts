/**
 * A session that a served version uses must never be released under it (issue 11: 20 pushed versions and a
 * readiness probe for each made every prediction of the primary fail with "invalid session id").
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import type { ManifestInput } from '../../src/model/manifest.ts';
import { BundledModelStore, type BundledPackageSource } from '../../src/registry/model-store.ts';
import { PredictionService } from '../../src/serving/prediction-service.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { HighestVersionRouter, type TrafficRouter } from '../../src/traffic/router.ts';
import { manifest } from '../support/manifest-builder.ts';

function version(n: number): BundledPackageSource {
  // Distinct bytes per version: each gets a session of its own.
  const bytes = new TextEncoder().encode(`model ${n}`);
  const base = manifest({ version: String(n) } as Partial<ManifestInput>);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    manifest: { ...base, artifact: { ...base.artifact, sha256, bytes: bytes.byteLength } },
    artifact: bytes.buffer.slice(0) as ArrayBuffer,
  };
}

/** Serves version 1 as the primary (as a deployment would), whatever else is registered. */
class PrimaryOneRouter extends HighestVersionRouter implements TrafficRouter {
  override async route() {
    return { version: '1', role: 'primary' as const, shadows: [], sampleRate: 0 };
  }
}

function setup(capacity: number) {
  const runtime = new FakeRuntime({ behaviour: 'sum', outputName: 'output' });
  const store = new BundledModelStore(Array.from({ length: 20 }, (_, i) => version(i + 1)));
  const sessions = new SessionCache(runtime, capacity);
  const service = new PredictionService({ store, models: new ServedModelCache(store, sessions), router: new PrimaryOneRouter(store) });
  return { service, runtime, sessions };
}

const instance = { x: 2, color: 'green' };

describe('session lifetime', () => {
  it('keeps predicting on the primary after readiness probes of 19 other versions', async () => {
    const { service } = setup(16);
    expect((await service.predict({ model: 'toy', instances: [instance], requestId: 'before' })).predictions).toEqual([{ value: 3 }]);
    for (let v = 2; v <= 20; v++) expect(await service.ready('toy', String(v))).toBe(true);
    for (let i = 0; i < 20; i++) {
      expect((await service.predict({ model: 'toy', instances: [instance], requestId: `after-${i}` })).predictions).toEqual([{ value: 3 }]);
    }
  });

  it('does not load a session to answer readiness for a version that is not serving', async () => {
    const { service, runtime } = setup(16);
    for (let v = 2; v <= 20; v++) await service.ready('toy', String(v));
    expect(runtime.sessionsCreated).toBe(0);
    expect(await service.ready('toy', '1')).toBe(true);
    expect(runtime.sessionsCreated).toBe(1);
  });

  it('never runs on a released session: pinned requests beyond the capacity reload what they need', async () => {
    const { service, runtime, sessions } = setup(2);
    for (let round = 0; round < 3; round++) {
      for (let v = 1; v <= 5; v++) {
        const result = await service.predict({ model: 'toy', version: String(v), instances: [instance], requestId: `r${round}-${v}` });
        expect(result.predictions).toEqual([{ value: 3 }]);
      }
    }
    expect(sessions.size).toBeLessThanOrEqual(2);
    expect(runtime.sessionsReleased).toBeGreaterThan(0);
  });

  it('does not release a session while a run on it is in flight', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum', delayMs: 20 });
    const sessions = new SessionCache(runtime, 1);
    const slow = sessions.use(
      'a',
      async () => new Uint8Array([1]),
      async (s) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return s.run({ input: { dtype: 'float32', data: Float32Array.from([1, 2]), dims: [1, 2] } }, ['output']);
      },
    );
    // Another session beyond the capacity of one while "a" runs: "a" must survive its run.
    await sessions.get('b', async () => new Uint8Array([2]));
    await expect(slow).resolves.toBeDefined();
  });
});
