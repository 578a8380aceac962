import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../../src/inference/session-cache.ts';
import type { ManifestInput } from '../../../src/model/manifest.ts';
import { BundledModelStore, type BundledPackageSource } from '../../../src/registry/model-store.ts';
import { PredictionService } from '../../../src/serving/prediction-service.ts';
import { ServedModelCache } from '../../../src/serving/served-model.ts';
import { TelemetryBuffer } from '../../../src/telemetry/buffer.ts';
import { ProfileAccumulator } from '../../../src/telemetry/profiles.ts';
import type { PredictionSampleRecord, TelemetryRecord } from '../../../src/telemetry/records.ts';
import { TelemetryObserver } from '../../../src/telemetry/telemetry-observer.ts';
import type { RouteDecision, TrafficRouter } from '../../../src/traffic/router.ts';
import { feature, manifest } from '../../support/manifest-builder.ts';

function pkg(input: ManifestInput): BundledPackageSource {
  const bytes = new TextEncoder().encode(`model ${input.version}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    manifest: { ...input, artifact: { ...input.artifact, sha256, bytes: bytes.byteLength } },
    artifact: bytes.buffer.slice(0) as ArrayBuffer,
  };
}

const toy = manifest({
  features: [
    feature({ name: 'x', type: 'number', min: -100, max: 100 }),
    feature({ name: 'country', type: 'category', categories: ['us', 'fr'], pii: 'hash' }),
    feature({ name: 'secret', type: 'number', min: 0, max: 10, pii: 'drop' }),
  ],
  monitoring: { slices: [{ feature: 'x', bands: [0] }] },
} as Partial<ManifestInput>);

function setup(decision: Omit<RouteDecision, 'version'>, random: number) {
  const store = new BundledModelStore([pkg(toy)]);
  const records: TelemetryRecord[] = [];
  const buffer = new TelemetryBuffer(async (messages) => void records.push(...messages.flatMap((m) => m.records)), { flushMs: 0 });
  const profiles = new ProfileAccumulator();
  buffer.addSource(() => profiles.drain());
  const router: TrafficRouter = {
    route: async () => ({ version: '1', ...decision }),
    sampleRate: async () => decision.sampleRate,
    servingVersions: async () => new Set(['1']),
  };
  const tasks: Promise<unknown>[] = [];
  const service = new PredictionService({
    store,
    models: new ServedModelCache(store, new SessionCache(new FakeRuntime({ behaviour: 'sum', outputName: 'output' }))),
    router,
    observers: [new TelemetryObserver({ buffer, profiles, piiKey: async () => 'deployment-salt', random: () => random })],
  });
  return {
    records,
    async predict(instances: unknown[], requestId = 'req-1') {
      await service.predict({ model: 'toy', instances, requestId }, (t) => void tasks.push(t));
      for (let i = 0; i < tasks.length; i++) await tasks[i];
    },
  };
}

const samples = (records: TelemetryRecord[]) => records.filter((r): r is PredictionSampleRecord => r.kind === 'sample');
const instances = [
  { x: 2, country: 'us', secret: 7 },
  { x: -1, country: 'fr', secret: 3 },
];

describe('TelemetryObserver sampling', () => {
  it("logs primary traffic at the deployment's sample rate", async () => {
    const skipped = setup({ role: 'primary', shadows: [], sampleRate: 0.01 }, 0.01);
    await skipped.predict(instances);
    expect(samples(skipped.records)).toEqual([]);
    // Profiles are sent all the same.
    expect(skipped.records.some((r) => r.kind === 'profile' && r.feature === '__instances__' && r.count === 2)).toBe(true);

    const drawn = setup({ role: 'primary', shadows: [], sampleRate: 0.01 }, 0.0099);
    await drawn.predict(instances);
    expect(samples(drawn.records)).toHaveLength(2);
  });

  it('always logs canary and shadowed requests', async () => {
    const canary = setup({ role: 'canary', shadows: [], sampleRate: 0 }, 0.999);
    await canary.predict(instances);
    expect(samples(canary.records).map((s) => s.role)).toEqual(['canary', 'canary']);

    const shadowed = setup({ role: 'primary', shadows: [{ version: '2', sample_rate: 1 }], sampleRate: 0 }, 0.999);
    await shadowed.predict(instances);
    expect(samples(shadowed.records)).toHaveLength(2);
  });

  it('logs each instance with its prediction, role, version, request id, slices and PII hashed or dropped', async () => {
    const t = setup({ role: 'primary', shadows: [], sampleRate: 1 }, 0);
    await t.predict(instances, 'req-42');
    const [first, second] = samples(t.records);
    const hash = (v: string) => `h:${createHmac('sha256', 'deployment-salt').update(v).digest('hex').slice(0, 32)}`;
    // Encoded row [x, country=us, country=fr, secret]; the fake model sums it.
    expect(first).toMatchObject({
      request_id: 'req-42',
      instance: 0,
      model: 'toy',
      version: '1',
      role: 'primary',
      features: { x: 2, country: hash('us') },
      prediction: { value: 10 },
      score: 10,
      label: null,
      slices: { x: '(0, ∞)' },
    });
    expect(second).toMatchObject({ instance: 1, features: { x: -1, country: hash('fr') }, score: 3, slices: { x: '(-∞, 0]' } });
    for (const s of [first!, second!]) {
      expect(Object.keys(s.features).sort()).toEqual(['country', 'x']);
      expect(s.latency_ms).toBeGreaterThanOrEqual(0);
    }
  });
});
