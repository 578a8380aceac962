/**
 * The two sklearn-onnx exports users bring (../shared/byom, copied into test/fixtures/byom): packaged by
 * `vigil package`, gated, and served row by row exactly as native ONNX Runtime predicts them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readOnnxModel } from '../../../cli/onnx/read-model.ts';
import { parseCsv } from '../../../cli/lib/csv.ts';
import type { ClassificationPrediction } from '../../../src/model/decode.ts';
import { pack, parsed, qa, serve } from './package-helpers.ts';

const FIXTURES = new URL('../../fixtures/byom/', import.meta.url);
const SHARED = new URL('../../../../shared/byom/', import.meta.url);
const ROOT = new URL('../../../', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

/** The sha256 of each file as ../shared/byom/README.md lists it. */
const LISTED_SHA256: Record<string, string> = {
  'iris.csv': 'cdf459dcf51753a4f3f56e59a9c81d8c2aaf68889c0ce19ab347e46ff542e6f4',
  'logreg_iris.onnx': '721f5f6b4bf0e3228bf82705b13724df018eed32ea2434d5f9b5da0749d1a5a4',
  'pipeline_titanic.onnx': 'd6ce9f8e1bc4641e6fd00ceeba30f5bdef472eee273afb932dd69da12aa2d3f9',
  'small_titanic.csv': '3c9c7682f9e6f927c33d685d9b80dcc53c437ca4f5020b5081e363dc15412f18',
};

interface NativeReference {
  generated_by: string;
  [file: string]: { data: string; rows: { label: string; probabilities: number[] }[] } | string;
}
const native = JSON.parse(readFileSync(new URL('native-reference.json', FIXTURES), 'utf8')) as NativeReference;
const nativeRows = (file: string) => (native[file] as { rows: { label: string; probabilities: number[] }[] }).rows;

function records(file: string) {
  const result = parseCsv(new TextDecoder().decode(fixture(file)));
  if (!result.ok) throw new Error(result.error.message);
  return result.table.records;
}

/** What a client sends for each passenger: strings as strings, numbers as numbers, an empty age as null. */
const titanicInstances = () =>
  records('small_titanic.csv').map((r) => ({
    pclass: r.pclass,
    sex: r.sex,
    age: r.age === null ? null : Number(r.age),
    fare: Number(r.fare),
    embarked: r.embarked,
  }));
const irisInstances = () => records('iris.csv').map((r) => [Number(r.sepal_length), Number(r.sepal_width)]);

const titanicSpec = JSON.parse(readFileSync(new URL('models/titanic/spec.json', ROOT), 'utf8')) as unknown;
const packTitanic = () =>
  pack(fixture('pipeline_titanic.onnx'), fixture('small_titanic.csv'), {
    name: 'titanic',
    version: '1',
    target: 'survived',
    spec: titanicSpec,
    trainedAt: '2026-12-02T00:00:00Z',
    codeVersion: 'vigil-package 0.1.0',
    dataFile: 'small_titanic.csv',
    onnxFile: 'pipeline_titanic.onnx',
  });
const packIris = () =>
  pack(fixture('logreg_iris.onnx'), fixture('iris.csv'), {
    name: 'iris',
    target: 'species',
    matrixFeatures: { '': ['sepal_length', 'sepal_width'] },
    dataFile: 'iris.csv',
  });

function expectNative(served: readonly unknown[], file: string): void {
  const reference = nativeRows(file);
  expect(served).toHaveLength(reference.length);
  served.forEach((p, i) => {
    const c = p as ClassificationPrediction;
    expect(c.label, `row ${i}`).toBe(reference[i]!.label);
    reference[i]!.probabilities.forEach((want, j) =>
      expect(Math.abs(c.probabilities[String(j)]! - want), `row ${i} P(${j})`).toBeLessThanOrEqual(1e-5),
    );
  });
}

describe('the sklearn-onnx exports in ../shared/byom', () => {
  it('are copied unchanged into test/fixtures/byom', () => {
    for (const [file, sha256] of Object.entries(LISTED_SHA256)) {
      expect(createHash('sha256').update(fixture(file)).digest('hex'), file).toBe(sha256);
      if (existsSync(new URL(file, SHARED)))
        expect(Buffer.from(fixture(file)).equals(readFileSync(new URL(file, SHARED))), file).toBe(true);
    }
    expect(native.generated_by).toMatch(/^onnxruntime-node .* on the original files$/);
  });

  it('packages the titanic pipeline: per-column string and float inputs, the graph imputing age and fare, ZipMap removed', async () => {
    const pkg = await packTitanic();
    const m = parsed(pkg);
    expect(m.task).toBe('binary_classification');
    expect(m.output).toMatchObject({ tensor: 'probabilities', label_tensor: 'output_label', labels: ['0', '1'], positive_label: '1' });
    expect(m.features.map((f) => [f.name, f.type, f.nullable, f.categories ?? null])).toEqual([
      ['pclass', 'category', false, ['1', '2', '3']],
      ['sex', 'category', false, ['female', 'male']],
      ['age', 'number', true, null],
      ['fare', 'number', true, null],
      ['embarked', 'category', false, ['C', 'Q', 'S', 'missing']],
    ]);
    expect('inputs' in m.encoding && m.encoding.inputs.map((i) => [i.name, i.dtype, i.rank])).toEqual([
      ['pclass', 'string', 2],
      ['sex', 'string', 2],
      ['age', 'float32', 2],
      ['fare', 'float32', 2],
      ['embarked', 'string', 2],
    ]);
    expect(m.origin).toMatchObject({
      sha256: LISTED_SHA256['pipeline_titanic.onnx'],
      producer: 'skl2onnx 1.11.2',
      rewrites: [{ kind: 'remove_zipmap', removed_output: 'output_probability', probabilities: 'probabilities' }],
    });
    const read = readOnnxModel(pkg.modelBytes);
    expect(read.ok && read.model.outputs.map((o) => `${o.name} ${o.describe}`)).toEqual([
      'output_label int64 [N]',
      'probabilities float32 [N, 2]',
    ]);
    expect(m.training.metrics.overall.auc).toBeCloseTo(0.7244, 4);
    expect((await qa(pkg)).checks.map((c) => [c.name, c.passed])).toEqual([
      ['load', true],
      ['signature', true],
      ['encoding_parity', true],
      ['golden_outputs', true],
    ]);
  });

  it('assesses every titanic feature by permutation on the --data rows, beside its costs', async () => {
    const pkg = await packTitanic();
    const m = parsed(pkg);
    const a = m.training.feature_assessment!;
    expect(a).toMatchObject({
      method: 'permutation',
      rows: 38,
      repeats: 5,
      seed: 42,
      metric: 'auc',
      higher_is_better: true,
      baseline: m.training.metrics.overall.auc,
    });
    expect(a.features.map((f) => f.name)).toEqual(['pclass', 'sex', 'age', 'fare', 'embarked']);
    const byName = Object.fromEntries(a.features.map((f) => [f.name, f]));
    // Every passenger of the file is in first class: shuffling pclass changes nothing.
    expect(byName.pclass).toMatchObject({ importance: 0, std_error: 0, beneficial: false });
    expect(byName.sex!.beneficial).toBe(true);
    expect(byName.sex!.importance).toBeGreaterThan(0.1);
    for (const f of a.features) {
      expect(f.cost.columns, f.name).toBe(1);
      expect(f.cost.null_rate, f.name).toBe(m.features.find((x) => x.name === f.name)!.training.null_rate);
      expect(f.cost.pii, f.name).toBe('none');
    }
    expect(a.features.reduce((sum, f) => sum + f.cost.encode_share, 0)).toBeCloseTo(1, 3);
    expect(byName.age!.cost.null_rate).toBeGreaterThan(0);
    expect(pkg.report.some((line) => line.startsWith('assess   permutation importance (auc, 5 shuffles of 38 rows)'))).toBe(true);
    expect(JSON.stringify((await packTitanic()).manifest.training.feature_assessment)).toBe(JSON.stringify(a));
  });

  it('writes no assessment without a target: there is nothing to measure', async () => {
    const pkg = await pack(fixture('pipeline_titanic.onnx'), fixture('small_titanic.csv'), { spec: titanicSpec });
    expect(parsed(pkg).training.feature_assessment).toBeUndefined();
    expect(pkg.report).toContain('assess   none: no --target, so there is no metric to measure feature importance with');
  });

  it('serves every titanic row as native ONNX Runtime predicts it from the original file', async () => {
    expectNative(await serve(await packTitanic(), titanicInstances()), 'pipeline_titanic.onnx');
  });

  it('packages the iris LogisticRegression: one [N, 2] input in --features order, int64 labels as decimal strings', async () => {
    const pkg = await packIris();
    const m = parsed(pkg);
    expect(m).toMatchObject({
      task: 'multiclass_classification',
      output: { tensor: 'probabilities', label_tensor: 'output_label', labels: ['0', '1', '2'] },
    });
    expect('inputs' in m.encoding && m.encoding.inputs).toEqual([
      {
        name: 'X',
        dtype: 'float32',
        rank: 2,
        columns: [
          { transform: 'value', feature: 'sepal_length' },
          { transform: 'value', feature: 'sepal_width' },
        ],
      },
    ]);
    expect(m.training.metrics).toMatchObject({ primary: 'accuracy', higher_is_better: true });
    expect(m.training.metrics.overall.accuracy).toBeCloseTo(0.82, 6);
    // Multiclass: importance in accuracy, one entry per column of the [N, 2] matrix.
    expect(m.training.feature_assessment).toMatchObject({
      metric: 'accuracy',
      higher_is_better: true,
      baseline: m.training.metrics.overall.accuracy,
    });
    expect(m.training.feature_assessment!.features.map((f) => [f.name, f.beneficial, f.cost.columns])).toEqual([
      ['sepal_length', true, 1],
      ['sepal_width', true, 1],
    ]);
    expect((await qa(pkg)).status).toBe('qa_passed');
  });

  it('serves every iris row as native ONNX Runtime predicts it from the original file', async () => {
    expectNative(await serve(await packIris(), irisInstances()), 'logreg_iris.onnx');
  });

  it('writes byte-identical files when run again on the same inputs', async () => {
    const [a, b] = [await packIris(), await packIris()];
    expect(Buffer.from(a.modelBytes).equals(Buffer.from(b.modelBytes))).toBe(true);
    expect(JSON.stringify(a.manifest)).toBe(JSON.stringify(b.manifest));
  });

  it('reproduces the committed models/titanic/1 byte for byte (the command in models/README.md)', async () => {
    const pkg = await packTitanic();
    expect(Buffer.from(pkg.modelBytes).equals(readFileSync(new URL('models/titanic/1/model.onnx', ROOT)))).toBe(true);
    expect(`${JSON.stringify(pkg.manifest, null, 2)}\n`).toBe(readFileSync(new URL('models/titanic/1/manifest.json', ROOT), 'utf8'));
  });

  it('checks conversion parity against the source framework, and fails the QA gate when labels differ beyond the tolerance', async () => {
    // The reference column holds what scikit-learn predicted; flip three of them to simulate a lossy conversion.
    const served = (await serve(await packTitanic(), titanicInstances())) as ClassificationPrediction[];
    const text = new TextDecoder().decode(fixture('small_titanic.csv'));
    const lines = text.trimEnd().split('\n');
    const withReference = (flip: number) =>
      [
        `${lines[0]},sklearn_label`,
        ...lines.slice(1).map((line, i) => `${line},${i < flip ? String(1 - Number(served[i]!.label)) : served[i]!.label}`),
      ].join('\n');
    const same = await pack(fixture('pipeline_titanic.onnx'), withReference(0), { target: 'survived', referenceColumn: 'sklearn_label' });
    expect(parsed(same).origin!.conversion_parity).toMatchObject({
      reference_column: 'sklearn_label',
      rows: 38,
      label_mismatches: 0,
      label_mismatch_rate: 0,
    });
    expect((await qa(same)).checks.find((c) => c.name === 'conversion_parity')).toMatchObject({ passed: true });
    const flipped = await pack(fixture('pipeline_titanic.onnx'), withReference(3), {
      target: 'survived',
      referenceColumn: 'sklearn_label',
    });
    expect(flipped.report.join('\n')).toContain('OUTSIDE the tolerance');
    const report = await qa(flipped);
    expect(report.status).toBe('qa_failed');
    expect(report.checks.find((c) => c.name === 'conversion_parity')).toMatchObject({
      passed: false,
      message: expect.stringContaining('3 of 38 labels differ'),
    });
  });
});
