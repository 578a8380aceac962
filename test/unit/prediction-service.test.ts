import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../src/errors.ts';
import { FakeRuntime, type FakeBehaviour } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import type { ManifestInput } from '../../src/model/manifest.ts';
import { BundledModelStore, type BundledPackageSource } from '../../src/registry/model-store.ts';
import { PredictionService } from '../../src/serving/prediction-service.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { HighestVersionRouter } from '../../src/traffic/router.ts';
import { feature, manifest } from '../support/manifest-builder.ts';

function pkg(
  overrides: Partial<ManifestInput>,
  bytes = new TextEncoder().encode(`model ${overrides.version ?? '1'}`),
): BundledPackageSource {
  const base = manifest(overrides);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    manifest: { ...base, artifact: { ...base.artifact, sha256, bytes: bytes.byteLength } },
    artifact: bytes.buffer.slice(0) as ArrayBuffer,
  };
}

function setup(sources: BundledPackageSource[], behaviour: FakeBehaviour = 'sum') {
  const runtime = new FakeRuntime({ behaviour, outputName: 'output' });
  const store = new BundledModelStore(sources);
  const service = new PredictionService({
    store,
    models: new ServedModelCache(store, new SessionCache(runtime)),
    router: new HighestVersionRouter(store),
  });
  return { service, runtime };
}

async function rejection(promise: Promise<unknown>): Promise<VigilError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VigilError);
  return error as VigilError;
}

const toy = [pkg({ version: '1' }), pkg({ version: '2' })];

describe('PredictionService.predict', () => {
  it('serves the highest version and predicts from the encoded instance', async () => {
    const { service } = setup(toy);
    const result = await service.predict({
      model: 'toy',
      instances: [
        { x: 2, color: 'green' },
        { x: -1, color: 'red' },
      ],
      requestId: 'r1',
    });
    expect(result).toMatchObject({ model: 'toy', version: '2', role: 'primary', requestId: 'r1' });
    // sum of [x, color=red, color=green]
    expect(result.predictions).toEqual([{ value: 3 }, { value: 0 }]);
  });

  it('serves a pinned version when asked', async () => {
    const { service } = setup(toy);
    const result = await service.predict({ model: 'toy', version: '1', instances: [{ x: 1, color: 'red' }], requestId: 'r' });
    expect(result).toMatchObject({ version: '1', role: 'pinned' });
  });

  it('answers 404 model_not_found for an unknown model, listing the models', async () => {
    const { service } = setup(toy);
    const error = await rejection(service.predict({ model: 'nope', instances: [{}], requestId: 'r' }));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
    expect(error.message).toContain('toy');
  });

  it('answers 404 version_not_found for an unknown version, listing the versions', async () => {
    const { service } = setup(toy);
    const error = await rejection(service.predict({ model: 'toy', version: '9', instances: [{}], requestId: 'r' }));
    expect(error).toMatchObject({ status: 404, code: 'version_not_found' });
    expect(error.message).toContain('1, 2');
  });

  it('rejects invalid instances with every problem named by instance and field', async () => {
    const { service, runtime } = setup(toy);
    const error = await rejection(
      service.predict({
        model: 'toy',
        instances: [
          { x: 1, color: 'red' },
          { x: 'NaN', color: 'blue' },
        ],
        requestId: 'r',
      }),
    );
    expect(error).toMatchObject({ status: 400, code: 'invalid_instance' });
    expect(error.details).toEqual([
      expect.objectContaining({ instance: 1, field: 'x', code: 'non_finite' }),
      expect.objectContaining({ instance: 1, field: 'color', code: 'unknown_category' }),
    ]);
    expect(error.message).toMatch(/^instance 1: "x" is "NaN"/);
    expect(runtime.runs).toBe(0);
  });

  it('rejects an empty request and more than 1000 instances', async () => {
    const { service } = setup(toy);
    expect(await rejection(service.predict({ model: 'toy', instances: [], requestId: 'r' }))).toMatchObject({
      status: 400,
      code: 'no_instances',
    });
    const many = new Array(1001).fill({ x: 1, color: 'red' });
    expect(await rejection(service.predict({ model: 'toy', instances: many, requestId: 'r' }))).toMatchObject({
      status: 400,
      code: 'too_many_instances',
    });
    const limit = new Array(1000).fill({ x: 1, color: 'red' });
    expect((await service.predict({ model: 'toy', instances: limit, requestId: 'r' })).predictions).toHaveLength(1000);
  });

  it('creates one session per artifact and reuses it', async () => {
    const { service, runtime } = setup(toy);
    for (let i = 0; i < 3; i++) await service.predict({ model: 'toy', instances: [{ x: 1, color: 'red' }], requestId: 'r' });
    expect(runtime.sessionsCreated).toBe(1);
  });

  it('refuses to serve an artifact whose sha256 does not match its manifest (503 model_unavailable)', async () => {
    const tampered = pkg({ version: '1' });
    tampered.artifact = new TextEncoder().encode('tampered').buffer as ArrayBuffer;
    const { service, runtime } = setup([tampered]);
    const error = await rejection(service.predict({ model: 'toy', instances: [{ x: 1, color: 'red' }], requestId: 'r' }));
    expect(error).toMatchObject({ status: 503, code: 'model_unavailable' });
    expect(error.message).toContain('sha256');
    expect(runtime.sessionsCreated).toBe(0);
  });

  it('reports a model producing NaN as a model_error, not a prediction', async () => {
    const { service } = setup(toy, 'nan');
    expect(await rejection(service.predict({ model: 'toy', instances: [{ x: 1, color: 'red' }], requestId: 'r' }))).toMatchObject({
      status: 500,
      code: 'model_error',
    });
  });

  it('decodes classification outputs into a label and per-label probabilities', async () => {
    const { service } = setup([pkg({ task: 'binary_classification' })], 'sigmoid');
    const result = await service.predict({
      model: 'toy',
      instances: [
        { x: 3, color: 'red' },
        { x: -9, color: 'red' },
      ],
      requestId: 'r',
    });
    const [high, low] = result.predictions as { label: string; probabilities: Record<string, number> }[];
    expect(high!.label).toBe('yes');
    expect(low!.label).toBe('no');
    expect(high!.probabilities.yes).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);
    expect(high!.probabilities.no! + high!.probabilities.yes!).toBeCloseTo(1, 6);
  });

  it('warns when a deprecated feature is sent', async () => {
    const features = [
      feature({ name: 'x', type: 'number' }),
      feature({ name: 'old', type: 'number', required: false, nullable: true, deprecated: true }),
    ];
    const { service } = setup([pkg({ features })]);
    const sent = await service.predict({ model: 'toy', instances: [{ x: 1, old: 2 }], requestId: 'r' });
    expect(sent.warnings).toEqual([expect.stringContaining('"old" is deprecated')]);
    const unsent = await service.predict({ model: 'toy', instances: [{ x: 1 }], requestId: 'r' });
    expect(unsent.warnings).toEqual([]);
  });
});

describe('PredictionService.ready', () => {
  it('is true for a loadable version and false when the artifact is corrupt', async () => {
    const bad = pkg({ version: '1' });
    bad.artifact = new ArrayBuffer(3);
    const { service } = setup([bad, pkg({ version: '2' })]);
    expect(await service.ready('toy', '2')).toBe(true);
    expect(await service.ready('toy', '1')).toBe(false);
  });
});

describe('PredictionService.explain', () => {
  it('tells no observer about what it validates: an explained request is neither served nor rejected telemetry', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum', outputName: 'output' });
    const store = new BundledModelStore(toy);
    const events: string[] = [];
    const observer = {
      served: async () => void events.push('served'),
      rejected: async () => void events.push('rejected'),
      failed: async () => void events.push('failed'),
    };
    const service = new PredictionService({
      store,
      models: new ServedModelCache(store, new SessionCache(runtime)),
      router: new HighestVersionRouter(store),
      observers: [observer],
    });
    const error = await rejection(service.explain({ model: 'toy', instances: [{ x: 'two', color: 'green' }], requestId: 'r' }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_instance' });
    // Work queued after a response only runs in that response's waitUntil: explain has none, so nothing may queue.
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([]);
    const background: Promise<unknown>[] = [];
    await rejection(
      service.predict({ model: 'toy', instances: [{ x: 'two', color: 'green' }], requestId: 'p' }, (task) => background.push(task)),
    );
    await Promise.all(background);
    expect(events).toEqual(['rejected']);
  });
});

describe('ServedModel: what is derived from a version', () => {
  it('compiles the slicer and the profiler once per version, each from its own manifest', async () => {
    const store = new BundledModelStore(toy);
    const models = new ServedModelCache(store, new SessionCache(new FakeRuntime({ behaviour: 'sum', outputName: 'output' })));
    const v1 = await models.get('toy', '1');
    const v2 = await models.get('toy', '2');
    expect(v1.profiler).toBe(v1.profiler);
    expect(v1.slicer).toBe(v1.slicer);
    expect(v1.profiler).not.toBe(v2.profiler);
    expect(v1.profiler.names).toEqual(v1.manifest.features.map((f) => f.name));
    expect(v1.profiler.predictionEdges).toBe(v1.manifest.output.training.bin_edges);
  });
});
