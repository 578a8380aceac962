import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../../src/inference/session-cache.ts';
import { FieldErrors, MAX_REPORTED_ERRORS, type FieldError, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest, type ManifestInput, type TrainedManifestInput } from '../../../src/model/manifest.ts';
import { BundledModelStore, type BundledPackageSource } from '../../../src/registry/model-store.ts';
import type { Background } from '../../../src/serving/observer.ts';
import { PredictionService } from '../../../src/serving/prediction-service.ts';
import { ServedModelCache } from '../../../src/serving/served-model.ts';
import { TelemetryBuffer } from '../../../src/telemetry/buffer.ts';
import {
  compileProfiler,
  ERRORS_FEATURE,
  INSTANCES_FEATURE,
  LABEL_FEATURE,
  PREDICTION_FEATURE,
  ProfileAccumulator,
} from '../../../src/telemetry/profiles.ts';
import type { ProfileRecord, TelemetryMessage } from '../../../src/telemetry/records.ts';
import { TelemetryObserver } from '../../../src/telemetry/telemetry-observer.ts';
import { HighestVersionRouter } from '../../../src/traffic/router.ts';
import { feature, manifest as buildManifest } from '../../support/manifest-builder.ts';

const COUNTRIES = ['us', 'fr', 'de'];

function manifestInput(overrides: Partial<ManifestInput> = {}): TrainedManifestInput {
  return buildManifest({
    features: [
      feature({ name: 'x', type: 'number', min: -100, max: 100, nullable: true, required: false }),
      feature({ name: 'color', type: 'category', categories: ['red', 'green'], nullable: true, required: false }),
      feature({ name: 'country', type: 'category', categories: COUNTRIES, pii: 'hash' }),
    ],
    ...overrides,
  });
}

function parsed(input: ManifestInput): Manifest {
  const result = parseManifest(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

const regression = parsed(manifestInput());
const classifier = parsed(manifestInput({ task: 'binary_classification' }));

const BUCKET = 60_000;
const T0 = 1_700_000_040_000; // a bucket start

function byFeature(records: readonly ProfileRecord[], feature: string): ProfileRecord[] {
  return records.filter((r) => r.feature === feature);
}

describe('ProfileAccumulator', () => {
  it('counts every served instance once in __instances__, across requests and buckets', () => {
    const acc = new ProfileAccumulator(BUCKET);
    const row: Row = [1, 'red', 'us'];
    acc.observe('toy', '1', compileProfiler(regression), [row, row, row], [1, 1, 1], [null, null, null], T0);
    acc.observe('toy', '1', compileProfiler(regression), [row, row], [1, 1], [null, null], T0 + 59_999);
    acc.observe('toy', '1', compileProfiler(regression), [row], [1], [null], T0 + BUCKET);
    acc.observe('toy', '2', compileProfiler(regression), [row, row, row, row], [1, 1, 1, 1], [null, null, null, null], T0);
    const instances = byFeature(acc.drain(), INSTANCES_FEATURE);
    expect(instances.reduce((n, r) => n + r.count, 0)).toBe(10);
    const v1 = instances.filter((r) => r.version === '1').sort((a, b) => a.bucket - b.bucket);
    expect(v1.map((r) => [r.bucket, r.count])).toEqual([
      [T0, 5],
      [T0 + BUCKET, 1],
    ]);
    expect(instances.find((r) => r.version === '2')).toMatchObject({ bucket: T0, count: 4, bucket_ms: BUCKET, model: 'toy' });
  });

  it('profiles each numeric feature: count, nulls, sum, sum of squares, min, max and training bins', () => {
    const acc = new ProfileAccumulator(BUCKET);
    // x's training edges are [0]: bin 0 holds x <= 0, bin 1 holds x > 0.
    const rows: Row[] = [
      [-1, 'red', 'us'],
      [2, 'green', 'fr'],
      [null, null, 'us'],
      [0, 'red', 'de'],
      [3, 'red', 'us'],
    ];
    acc.observe('toy', '1', compileProfiler(regression), rows, [10, -5, 0, 1, 2], [null, null, null, null, null], T0);
    const records = acc.drain();
    const [x] = byFeature(records, 'x');
    expect(x).toEqual({
      kind: 'profile',
      model: 'toy',
      version: '1',
      bucket: T0,
      bucket_ms: BUCKET,
      feature: 'x',
      count: 5,
      nulls: 1,
      invalid: 0,
      sum: 4,
      sum_sq: 1 + 4 + 0 + 9,
      min: -1,
      max: 3,
      bins: { '0': 2, '1': 2 },
    });
    const [color] = byFeature(records, 'color');
    expect(color).toMatchObject({ count: 5, nulls: 1, invalid: 0, sum: 0, min: null, max: null, bins: { red: 3, green: 1 } });
    // Predictions: scores 10, -5, 0, 1, 2 over the output edges [0].
    const [prediction] = byFeature(records, PREDICTION_FEATURE);
    expect(prediction).toMatchObject({
      count: 5,
      nulls: 0,
      sum: 8,
      sum_sq: 100 + 25 + 0 + 1 + 4,
      min: -5,
      max: 10,
      bins: { '0': 2, '1': 3 },
    });
    // Regression has no predicted labels.
    expect(byFeature(records, LABEL_FEATURE)).toEqual([]);
  });

  it('bins the categories of a PII feature by their position (#i), never by the raw value', () => {
    const acc = new ProfileAccumulator(BUCKET);
    const rows: Row[] = [
      [1, 'red', 'fr'],
      [1, 'red', 'fr'],
      [1, 'red', 'de'],
      [1, 'red', 'us'],
      [1, 'red', 'atlantis'],
    ];
    acc.observe('toy', '1', compileProfiler(regression), rows, [0, 0, 0, 0, 0], [null, null, null, null, null], T0);
    const [country] = byFeature(acc.drain(), 'country');
    expect(country!.bins).toEqual({ '#0': 1, '#1': 2, '#2': 1, '#?': 1 });
    const text = JSON.stringify(country);
    for (const raw of [...COUNTRIES, 'atlantis']) expect(text).not.toContain(`"${raw}"`);
  });

  it('profiles the predicted labels of a classifier', () => {
    const acc = new ProfileAccumulator(BUCKET);
    const rows: Row[] = [
      [1, 'red', 'us'],
      [2, 'red', 'us'],
      [3, 'red', 'us'],
    ];
    acc.observe('toy', '1', compileProfiler(classifier), rows, [0.2, 0.7, 0.9], ['no', 'yes', 'yes'], T0);
    const records = acc.drain();
    expect(byFeature(records, LABEL_FEATURE)[0]).toMatchObject({ count: 3, bins: { no: 1, yes: 2 } });
    expect(byFeature(records, PREDICTION_FEATURE)[0]).toMatchObject({ count: 3, bins: { '1': 3 } });
  });

  it('counts the invalid values of a rejected request under each feature, and its rejected instances', () => {
    const acc = new ProfileAccumulator(BUCKET);
    const errors = new FieldErrors();
    for (const e of [
      { instance: 0, field: 'x', code: 'out_of_range', message: '' },
      { instance: 2, field: 'x', code: 'non_finite', message: '' },
      { instance: 2, field: 'color', code: 'unknown_category', message: '' },
      { instance: 3, field: 'shoe_size', code: 'unknown_feature', message: '' },
      { instance: 4, field: '', code: 'not_an_object', message: '' },
    ] as FieldError[])
      errors.add(e);
    acc.observeRejected('toy', '1', regression, errors.byField, 4, T0);
    acc.observeFailed('toy', '1', 7, T0);
    const records = acc.drain();
    expect(byFeature(records, 'x')[0]).toMatchObject({ count: 0, invalid: 2 });
    expect(byFeature(records, 'color')[0]).toMatchObject({ count: 0, invalid: 1 });
    expect(byFeature(records, 'country')).toEqual([]);
    expect(byFeature(records, 'shoe_size')).toEqual([]);
    expect(byFeature(records, '')).toEqual([]);
    expect(byFeature(records, INSTANCES_FEATURE)[0]).toMatchObject({ count: 0, invalid: 4 });
    expect(byFeature(records, ERRORS_FEATURE)[0]).toMatchObject({ count: 7 });
  });

  it("keeps only bin counts of a numeric PII feature: no sum, min or max of anyone's value", () => {
    const input = manifestInput();
    input.features = [...input.features, feature({ name: 'salary', type: 'number', pii: 'hash', required: false, nullable: true })];
    const withSalary = parsed({
      ...input,
      encoding: { input_name: 'input', columns: [...input.encoding.columns, { transform: 'numeric', feature: 'salary', impute: 0 }] },
      golden: input.golden.map((g) => ({ ...g, encoded: [...g.encoded, 0] })),
    });
    const acc = new ProfileAccumulator(BUCKET);
    acc.observe(
      'toy',
      '1',
      compileProfiler(withSalary),
      [
        [1, 'red', COUNTRIES[0]!, 123_456],
        [2, 'red', COUNTRIES[0]!, null],
      ],
      [1, 2],
      [null, null],
      T0,
    );
    const [salary] = byFeature(acc.drain(), 'salary');
    expect(salary).toMatchObject({ count: 2, nulls: 1, sum: 0, sum_sq: 0, min: null, max: null });
    expect(Object.values(salary!.bins).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('counts every invalid value, also beyond the errors listed to the client', () => {
    const acc = new ProfileAccumulator(BUCKET);
    const errors = new FieldErrors();
    for (let i = 0; i < 80; i++) errors.add({ instance: i, field: 'x', code: 'out_of_range', message: '' });
    expect(errors.list).toHaveLength(MAX_REPORTED_ERRORS);
    acc.observeRejected('toy', '1', regression, errors.byField, 80, T0);
    expect(byFeature(acc.drain(), 'x')[0]).toMatchObject({ invalid: 80 });
  });

  it('is empty after drain, and a second drain returns nothing', () => {
    const acc = new ProfileAccumulator(BUCKET);
    expect(acc.isEmpty).toBe(true);
    acc.observe('toy', '1', compileProfiler(regression), [[1, 'red', 'us']], [1], [null], T0);
    expect(acc.isEmpty).toBe(false);
    expect(acc.drain().length).toBeGreaterThan(0);
    expect(acc.isEmpty).toBe(true);
    expect(acc.drain()).toEqual([]);
  });
});

function pkg(input: ManifestInput): BundledPackageSource {
  const bytes = new TextEncoder().encode(`model ${input.version}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    manifest: { ...input, artifact: { ...input.artifact, sha256, bytes: bytes.byteLength } },
    artifact: bytes.buffer.slice(0) as ArrayBuffer,
  };
}

/** Collects background tasks and waits for all of them, including tasks they start. */
function collector(): { background: Background; settle(): Promise<void> } {
  const tasks: Promise<unknown>[] = [];
  return {
    background: (task) => void tasks.push(task),
    async settle() {
      for (let done = 0; done < tasks.length; done++) await tasks[done];
    },
  };
}

describe('profiles through the prediction service', () => {
  it('the __instances__ counts sent to the queue add up to the instances served; rejected ones count as invalid', async () => {
    const store = new BundledModelStore([pkg(manifestInput())]);
    const sent: TelemetryMessage[] = [];
    const buffer = new TelemetryBuffer(async (messages) => void sent.push(...messages), { flushMs: 0 });
    const profiles = new ProfileAccumulator();
    buffer.addSource(() => profiles.drain());
    const telemetry = new TelemetryObserver({ buffer, profiles, piiKey: async () => 'salt', random: () => 0.5 });
    const service = new PredictionService({
      store,
      models: new ServedModelCache(store, new SessionCache(new FakeRuntime({ behaviour: 'sum', outputName: 'output' }))),
      router: new HighestVersionRouter(store),
      observers: [telemetry],
    });
    const { background, settle } = collector();
    const sizes = [1, 7, 3, 20, 2];
    for (const [i, n] of sizes.entries()) {
      const instances = Array.from({ length: n }, (_, j) => ({ x: j - 3, color: j % 2 ? 'red' : 'green', country: COUNTRIES[j % 3] }));
      await service.predict({ model: 'toy', instances, requestId: `r${i}` }, background);
    }
    // A rejected request: instance 1 of 3 has an out-of-range x.
    await expect(
      service.predict(
        {
          model: 'toy',
          instances: [
            { x: 1, country: 'us' },
            { x: 1000, country: 'us' },
            { x: 2, country: 'fr' },
          ],
          requestId: 'bad',
        },
        background,
      ),
    ).rejects.toThrow();
    await settle();

    const profileRecords = sent.flatMap((m) => m.records).filter((r): r is ProfileRecord => r.kind === 'profile');
    const instances = profileRecords.filter((r) => r.feature === INSTANCES_FEATURE);
    expect(instances.reduce((n, r) => n + r.count, 0)).toBe(1 + 7 + 3 + 20 + 2);
    expect(instances.reduce((n, r) => n + r.invalid, 0)).toBe(1);
    const x = profileRecords.filter((r) => r.feature === 'x');
    expect(x.reduce((n, r) => n + r.count, 0)).toBe(33);
    expect(x.reduce((n, r) => n + r.invalid, 0)).toBe(1);
    // Sampling drew 0.5 >= 1 %: nothing was logged as a sample, yet the profiles cover all traffic.
    expect(sent.flatMap((m) => m.records).some((r) => r.kind === 'sample')).toBe(false);
  });
});
