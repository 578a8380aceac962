import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { FakeRuntime, type FakeBehaviour } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import type { ManifestInput } from '../../src/model/manifest.ts';
import { BundledModelStore, type BundledPackageSource } from '../../src/registry/model-store.ts';
import type { Background } from '../../src/serving/observer.ts';
import { PredictionService, type PredictRequest } from '../../src/serving/prediction-service.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { ShadowRunner } from '../../src/serving/shadow-runner.ts';
import type { ShadowComparisonRecord } from '../../src/telemetry/records.ts';
import type { ShadowSpec } from '../../src/traffic/deployment.ts';
import type { RouteDecision, TrafficRouter } from '../../src/traffic/router.ts';
import { feature, manifest } from '../support/manifest-builder.ts';

const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function pkg(version: string, overrides: Partial<ManifestInput> = {}, artifactText = `model ${version}`): BundledPackageSource {
  const bytes = new TextEncoder().encode(artifactText);
  const base = manifest({ version, ...overrides });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    manifest: { ...base, artifact: { ...base.artifact, sha256, bytes: bytes.byteLength } },
    artifact: bytes.buffer.slice(0) as ArrayBuffer,
  };
}

/** Always serves version 1, with the given shadows drawn for every request. */
class FixedRouter implements TrafficRouter {
  readonly shadows: ShadowSpec[];
  constructor(shadows: ShadowSpec[]) {
    this.shadows = shadows;
  }
  async route(): Promise<RouteDecision> {
    return { version: '1', role: 'primary', shadows: this.shadows, sampleRate: 0 };
  }
  async sampleRate(): Promise<number> {
    return 0;
  }
  async servingVersions(): Promise<Set<string>> {
    return new Set(['1', ...this.shadows.map((s) => s.version)]);
  }
}

function setup(
  sources: BundledPackageSource[],
  options: { shadows: ShadowSpec[]; behaviours?: Record<string, FakeBehaviour>; primaryBehaviour?: FakeBehaviour },
) {
  const runtime = new FakeRuntime({
    behaviour: options.primaryBehaviour ?? 'sum',
    behaviourFor: (bytes) => options.behaviours?.[textOf(bytes)],
  });
  const store = new BundledModelStore(sources);
  const models = new ServedModelCache(store, new SessionCache(runtime));
  const comparisons: ShadowComparisonRecord[] = [];
  const sinkCalls: number[] = [];
  const shadowRunner = new ShadowRunner(models, {
    add(records) {
      sinkCalls.push(records.length);
      comparisons.push(...records);
    },
  });
  const service = new PredictionService({ store, models, router: new FixedRouter(options.shadows), observers: [shadowRunner] });
  const tasks: Promise<unknown>[] = [];
  const background: Background = (task) => void tasks.push(task);
  /** Waits for every background task, including ones started by other background tasks. */
  const settle = async () => {
    for (let seen = 0; seen < tasks.length; seen = tasks.length) await Promise.allSettled(tasks.slice(seen));
  };
  return { service, runtime, comparisons, sinkCalls, background, settle, shadowRunner };
}

const request: PredictRequest = {
  model: 'toy',
  instances: [
    { x: 2, color: 'green' },
    { x: -1, color: 'red' },
  ],
  requestId: 'req-1',
};

/** The same request answered by a deployment without shadows. */
async function primaryOnly(sources: BundledPackageSource[], primaryBehaviour: FakeBehaviour = 'sum') {
  const { service } = setup(sources, { shadows: [], primaryBehaviour });
  return service.predict(request);
}

describe('ShadowRunner with PredictionService', () => {
  const sources = [pkg('1'), pkg('2')];

  it('answers exactly as the primary alone when the shadow model throws, and records the error', async () => {
    const expected = await primaryOnly(sources);
    const { service, runtime, comparisons, background, settle } = setup(sources, {
      shadows: [{ version: '2', sample_rate: 1 }],
      behaviours: { 'model 2': 'error' },
    });

    const result = await service.predict(request, background);
    expect(result).toEqual(expected);
    // The response is complete before the shadow runs: only the primary has run so far.
    expect(runtime.runs).toBe(1);
    expect(comparisons).toEqual([]);

    await settle();
    expect(runtime.runs).toBe(2);
    expect(comparisons).toHaveLength(2);
    comparisons.forEach((c, i) => {
      expect(c).toMatchObject({
        kind: 'comparison',
        request_id: 'req-1',
        instance: i,
        model: 'toy',
        primary_version: '1',
        shadow_version: '2',
        primary_prediction: result.predictions[i],
        primary_score: (result.predictions[i] as { value: number }).value,
        shadow_prediction: null,
        shadow_score: null,
        signed_diff: null,
        abs_diff: null,
        label_agree: null,
        shadow_latency_ms: null,
        error: 'fake model failure',
      });
    });
  });

  it('does not start the shadow before the response even when nothing awaits the background work', async () => {
    const { service, runtime } = setup(sources, { shadows: [{ version: '2', sample_rate: 1 }], behaviours: { 'model 2': 'error' } });
    const result = await service.predict(request); // default background: fire and forget
    expect(result.predictions).toEqual([{ value: 3 }, { value: 0 }]);
    expect(runtime.runs).toBe(1);
  });

  it('records the error when the shadow artifact fails verification, without changing the response', async () => {
    const tampered = pkg('2', {}, 'model 2');
    tampered.artifact = new TextEncoder().encode('tampered').buffer as ArrayBuffer;
    const withTampered = [pkg('1'), tampered];
    const expected = await primaryOnly(withTampered);
    const { service, comparisons, background, settle } = setup(withTampered, { shadows: [{ version: '2', sample_rate: 1 }] });
    expect(await service.predict(request, background)).toEqual(expected);
    await settle();
    expect(comparisons).toHaveLength(2);
    expect(comparisons[0]!.error).toMatch(/model "toy" version 2 is unavailable: artifact sha256 is/);
  });

  it('records the error when the shadow rejects instances the primary accepted', async () => {
    const stricter = pkg('2', {
      features: [
        feature({ name: 'x', type: 'number', min: 0, max: 100 }),
        feature({ name: 'color', type: 'category', categories: ['red', 'green'] }),
      ],
    });
    const both = [pkg('1'), stricter];
    const expected = await primaryOnly(both);
    const { service, comparisons, background, settle } = setup(both, { shadows: [{ version: '2', sample_rate: 1 }] });
    expect(await service.predict(request, background)).toEqual(expected);
    await settle();
    expect(comparisons.map((c) => c.error)).toEqual([
      expect.stringMatching(/^shadow rejected the instances: instance 1: /),
      expect.stringMatching(/^shadow rejected/),
    ]);
    // The stored error names the field and the reason, never the value the client sent (it may be PII).
    expect(comparisons[0]!.error).toBe('shadow rejected the instances: instance 1: x out_of_range');
  });

  it('records an unknown shadow version as an error', async () => {
    const { service, comparisons, background, settle } = setup(sources, { shadows: [{ version: '7', sample_rate: 1 }] });
    await service.predict(request, background);
    await settle();
    expect(comparisons).toHaveLength(2);
    expect(comparisons[0]!.error).toContain('has no version "7"');
  });

  it('compares a working regression shadow: both predictions, signed and absolute difference, both latencies', async () => {
    // The shadow ignores the color column, so it predicts x where the primary predicts x + 1.
    const xOnly = pkg('2', {
      encoding: { input_name: 'input', columns: [{ transform: 'numeric', feature: 'x', impute: 0 }] },
      golden: [{ instance: { x: 1, color: 'red' }, encoded: [1], expected: { value: 1 } }],
    });
    const { service, comparisons, background, settle } = setup([pkg('1'), xOnly], { shadows: [{ version: '2', sample_rate: 1 }] });
    await service.predict(request, background);
    await settle();
    expect(comparisons).toHaveLength(2);
    expect(comparisons[0]).toMatchObject({
      primary_prediction: { value: 3 },
      shadow_prediction: { value: 2 },
      primary_score: 3,
      shadow_score: 2,
      signed_diff: -1,
      abs_diff: 1,
      error: null,
    });
    expect(comparisons[1]).toMatchObject({
      primary_prediction: { value: 0 },
      shadow_prediction: { value: -1 },
      signed_diff: -1,
      abs_diff: 1,
      error: null,
    });
    for (const c of comparisons) {
      expect(c.primary_latency_ms).toBeGreaterThanOrEqual(0);
      expect(c.shadow_latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('compares a classification shadow by label agreement and probability difference', async () => {
    const classifier = { task: 'binary_classification' as const };
    const golden: ManifestInput['golden'] = [
      { instance: { x: 0, color: 'red' }, encoded: [0], expected: { label: 'yes', probabilities: { no: 0.5, yes: 0.5 } } },
    ];
    const xOnly = pkg('2', {
      ...classifier,
      encoding: { input_name: 'input', columns: [{ transform: 'numeric', feature: 'x', impute: 0 }] },
      golden,
    });
    const { service, comparisons, background, settle } = setup([pkg('1', classifier), xOnly], {
      shadows: [{ version: '2', sample_rate: 1 }],
      primaryBehaviour: 'sigmoid',
    });
    const result = await service.predict(
      {
        ...request,
        instances: [
          { x: 2, color: 'green' },
          { x: -0.5, color: 'red' },
        ],
      },
      background,
    );
    await settle();
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    // Primary sees x + 1 (2 → 3, -0.5 → 0.5): both "yes"; the shadow sees x (2 → yes, -0.5 → no).
    expect(result.predictions.map((p) => (p as { label: string }).label)).toEqual(['yes', 'yes']);
    expect(comparisons.map((c) => [c.primary_label, c.shadow_label, c.label_agree])).toEqual([
      ['yes', 'yes', 1],
      ['yes', 'no', 0],
    ]);
    expect(comparisons[0]!.abs_diff).toBeCloseTo(sigmoid(3) - sigmoid(2), 6);
    expect(comparisons[1]!.signed_diff).toBeCloseTo(sigmoid(-0.5) - sigmoid(0.5), 6);
  });

  it('runs every shadow drawn for the request, a failing one not stopping the others', async () => {
    const { service, comparisons, sinkCalls, background, settle } = setup([pkg('1'), pkg('2'), pkg('3')], {
      shadows: [
        { version: '2', sample_rate: 1 },
        { version: '3', sample_rate: 1 },
      ],
      behaviours: { 'model 2': 'error' },
    });
    await service.predict(request, background);
    await settle();
    expect(sinkCalls).toEqual([2, 2]);
    expect(comparisons.map((c) => [c.shadow_version, c.error])).toEqual([
      ['2', 'fake model failure'],
      ['2', 'fake model failure'],
      ['3', null],
      ['3', null],
    ]);
  });

  it('keeps the response when the comparison sink itself fails', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const store = new BundledModelStore(sources);
    const models = new ServedModelCache(store, new SessionCache(runtime));
    const failingSink = new ShadowRunner(models, {
      add() {
        throw new Error('queue unavailable');
      },
    });
    const service = new PredictionService({
      store,
      models,
      router: new FixedRouter([{ version: '2', sample_rate: 1 }]),
      observers: [failingSink],
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const tasks: Promise<unknown>[] = [];
      const result = await service.predict(request, (t) => void tasks.push(t));
      expect(result.predictions).toEqual([{ value: 3 }, { value: 0 }]);
      await expect(Promise.all(tasks)).resolves.toBeDefined();
      expect(runtime.runs).toBe(2);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('queue unavailable'));
    } finally {
      logged.mockRestore();
    }
  });
});
