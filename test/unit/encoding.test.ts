import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compileEncoder, compileTensorEncoder } from '../../src/model/encoding.ts';
import { compileValidator, FieldErrors, type FeatureSchemaSpec, type Row } from '../../src/model/instance-validator.ts';
import { parseManifest, type Encoding, type Manifest, type TrainedManifest } from '../../src/model/manifest.ts';
import { planEncoding } from '../../cli/train/encoding-plan.ts';
import { removeTrainedDirs, trainSynthetic } from './train/synthetic-training.ts';

const MODELS_DIR = new URL('../../models/', import.meta.url);

function feature(f: Partial<FeatureSchemaSpec> & Pick<FeatureSchemaSpec, 'name' | 'type'>): FeatureSchemaSpec {
  return { required: true, nullable: false, missing_values: [], deprecated: false, ...f };
}

const features: FeatureSchemaSpec[] = [
  feature({ name: 'size', type: 'number', nullable: true }),
  feature({ name: 'color', type: 'category', categories: ['red', 'green', 'blue'], nullable: true, missing_values: ['?'] }),
  feature({ name: 'garden', type: 'boolean', nullable: true }),
];

const encoding: Encoding = {
  input_name: 'input',
  columns: [
    { transform: 'numeric', feature: 'size', impute: 100 },
    { transform: 'is_null', feature: 'size' },
    { transform: 'one_hot', feature: 'color', categories: ['red', 'green'] },
    { transform: 'boolean', feature: 'garden', impute: 1 },
  ],
};

function encodeInstance(instance: unknown, f: readonly FeatureSchemaSpec[] = features, e: Encoding = encoding): number[] {
  const errors = new FieldErrors();
  const row = compileValidator({ features: f }).validate(instance, 0, errors);
  if (!row) throw new Error(JSON.stringify(errors.list));
  return Array.from(compileEncoder({ features: f, encoding: e }).encode([row]));
}

/** Re-validates and re-encodes every golden instance with the shared code and compares with `encoded`. */
function goldenEncodingMismatches(manifest: TrainedManifest | Manifest): number[] {
  if ('inputs' in manifest.encoding) {
    // An imported model: each input tensor's row, as packaging recorded it.
    const encoder = compileTensorEncoder(manifest);
    const validator = compileValidator(manifest);
    return manifest.golden.flatMap((g, k) => {
      const row = validator.validate(g.instance, k, new FieldErrors());
      return row && JSON.stringify(encoder.encodeExample(row)) === JSON.stringify(g.encoded) ? [] : [k];
    });
  }
  return (manifest as TrainedManifest).golden.flatMap((g, k) => {
    const again = encodeInstance(g.instance, manifest.features, manifest.encoding);
    return again.length === g.encoded.length && again.every((v, i) => v === g.encoded[i]) ? [] : [k];
  });
}

describe('encoding', () => {
  it('encodes numeric columns with imputes for nulls, in column order, as float32 and float64', () => {
    const numeric: FeatureSchemaSpec[] = [
      feature({ name: 'a', type: 'number', nullable: true }),
      feature({ name: 'b', type: 'number', nullable: true }),
      feature({ name: 'unused', type: 'number' }),
    ];
    const columns = [
      { transform: 'numeric' as const, feature: 'b', impute: -1.5 },
      { transform: 'numeric' as const, feature: 'a', impute: 7 },
    ];
    const validator = compileValidator({ features: numeric });
    const rows = [
      { a: 1, b: 2, unused: 0 },
      { a: null, b: 0.1, unused: 0 },
      { a: 3, b: null, unused: 0 },
    ].map((instance, i) => validator.validate(instance, i, new FieldErrors())!);
    const matrix = compileEncoder({ features: numeric, encoding: { input_name: 'x', columns } }).encode(rows);
    expect(Array.from(matrix)).toEqual([2, 1, Math.fround(0.1), 7, -1.5, 3]);
    for (const dtype of ['float32', 'float64'] as const) {
      const tensors = compileTensorEncoder({
        features: numeric,
        encoding: { inputs: [{ name: 'x', dtype, rank: 2, columns }] } as Encoding,
      }).encode(rows);
      expect(tensors.x!.dims).toEqual([3, 2]);
      expect(Array.from(tensors.x!.data as Float32Array)).toEqual([2, 1, dtype === 'float32' ? Math.fround(0.1) : 0.1, 7, -1.5, 3]);
    }
  });

  it('one-hot encodes a category over the encoded categories', () => {
    expect(encodeInstance({ size: 50, color: 'green', garden: false })).toEqual([50, 0, 0, 1, 0]);
    expect(encodeInstance({ size: 50, color: 'red', garden: true })).toEqual([50, 0, 1, 0, 1]);
  });

  it('encodes a known category without a one-hot column (not seen in training) as all zeros, like null', () => {
    expect(encodeInstance({ size: 50, color: 'blue', garden: true })).toEqual([50, 0, 0, 0, 1]);
    expect(encodeInstance({ size: 50, color: null, garden: true })).toEqual([50, 0, 0, 0, 1]);
  });

  it('imputes a null number and sets its is_null column', () => {
    expect(encodeInstance({ size: null, color: 'red', garden: true })).toEqual([100, 1, 1, 0, 1]);
  });

  it('reads a missing-value token as null', () => {
    expect(encodeInstance({ size: 50, color: '?', garden: true })).toEqual(encodeInstance({ size: 50, color: null, garden: true }));
  });

  it('imputes a null boolean', () => {
    expect(encodeInstance({ size: 50, color: 'red', garden: null })).toEqual([50, 0, 1, 0, 1]);
  });

  it('stores numbers as float32', () => {
    expect(encodeInstance({ size: 0.1, color: 'red', garden: true })[0]).toBe(Math.fround(0.1));
  });
});

describe('planEncoding', () => {
  it('plans median imputation, is_null only where training had nulls, and one-hot over seen categories', () => {
    const rows: Row[] = [
      [1, 'red', true],
      [3, 'red', false],
      [null, 'green', true],
      [10, null, true],
    ];
    const plan = planEncoding(features, rows);
    expect(plan).toEqual({
      ok: true,
      encoding: {
        input_name: 'input',
        columns: [
          { transform: 'numeric', feature: 'size', impute: 3 },
          { transform: 'is_null', feature: 'size' },
          { transform: 'one_hot', feature: 'color', categories: ['red', 'green'] },
          { transform: 'boolean', feature: 'garden', impute: 1 },
        ],
      },
    });
  });

  it('refuses to plan a numeric feature with no values in training', () => {
    expect(planEncoding([features[0]!], [[null], [null]])).toEqual({
      ok: false,
      errors: ['feature "size" has no values in the training split'],
    });
  });
});

describe('golden encoding parity', () => {
  afterAll(removeTrainedDirs);

  it('encodes each golden instance of a freshly trained package exactly as training did', async () => {
    for (const kind of ['regression', 'classification'] as const) {
      const run = await trainSynthetic(kind, 'linear');
      const parsed = parseManifest(run.manifestJson);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      expect(goldenEncodingMismatches(parsed.manifest as TrainedManifest)).toEqual([]);
    }
  });

  it('encodes each golden instance of the committed demo packages exactly as training did', () => {
    const manifests = readdirSync(MODELS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        readdirSync(new URL(`${d.name}/`, MODELS_DIR), { withFileTypes: true })
          .filter((v) => v.isDirectory())
          .map((v) => new URL(`${d.name}/${v.name}/manifest.json`, MODELS_DIR)),
      );
    expect(manifests.length).toBeGreaterThanOrEqual(4);
    for (const url of manifests) {
      const parsed = parseManifest(JSON.parse(readFileSync(url, 'utf8')));
      if (!parsed.ok) throw new Error(`${url.pathname}: ${JSON.stringify(parsed.issues)}`);
      expect(goldenEncodingMismatches(parsed.manifest), url.pathname).toEqual([]);
    }
  });
});
