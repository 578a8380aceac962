import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../cli/lib/csv.ts';
import { readOnnxModel } from '../../../cli/onnx/read-model.ts';
import { removeZipMaps } from '../../../cli/onnx/remove-zipmap.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { compileModel, runRows } from '../../../src/inference/model-runner.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import type { Tensor } from '../../../src/model/tensor.ts';
import { compiled, expectParity, expectSameOutputs, ort, pick, printParityReport, prng } from './parity.ts';

afterAll(printParityReport);

const MODELS = new URL('../../../models/', import.meta.url);
const BYOM = new URL('../../fixtures/byom/', import.meta.url);

const committed = readdirSync(MODELS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((m) =>
    readdirSync(new URL(`${m.name}/`, MODELS), { withFileTypes: true })
      .filter((v) => v.isDirectory())
      .map((v) => `${m.name}/${v.name}`),
  )
  .sort();

function load(id: string): { manifest: Manifest; bytes: Uint8Array } {
  const parsed = parseManifest(JSON.parse(readFileSync(new URL(`${id}/manifest.json`, MODELS), 'utf8')));
  if (!parsed.ok) throw new Error(`${id}: invalid manifest`);
  return { manifest: parsed.manifest, bytes: readFileSync(new URL(`${id}/model.onnx`, MODELS)) };
}

function validRows(manifest: Manifest, instances: readonly unknown[]): Row[] {
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows = instances.map((instance, i) => validator.validate(instance, i, errors));
  expect(errors.list).toEqual([]);
  return rows as Row[];
}

/** Instances drawn within each feature's training range (ends included), categories from the schema, some nulls. */
function randomInstances(manifest: Manifest, count: number, seed: number): Record<string, unknown>[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    const instance: Record<string, unknown> = {};
    for (const f of manifest.features) {
      if (f.nullable && random() < 0.08) {
        instance[f.name] = null;
        continue;
      }
      if (f.type === 'category') instance[f.name] = pick(random, f.categories ?? []);
      else if (f.type === 'boolean') instance[f.name] = random() < 0.5;
      else {
        const t = f.training as { min?: number; max?: number };
        const min = t.min ?? f.min ?? 0;
        const max = t.max ?? f.max ?? min + 100;
        const r = random();
        const v = r < 0.05 ? min : r < 0.1 ? max : min + random() * (max - min);
        instance[f.name] = f.type === 'integer' ? Math.round(v) : v;
      }
    }
    return instance;
  });
}

describe('the committed models', () => {
  it('are the five packages the repository ships', () => {
    expect(committed).toEqual(['adult-income/1', 'adult-income/2', 'california-housing/1', 'california-housing/2', 'titanic/1']);
  });

  it.each(committed)('%s compiles, with the signatures ONNX Runtime reports', async (id) => {
    const { bytes } = load(id);
    const session = compiled(bytes);
    const reference = await ort.createSession(bytes);
    expect(session.inputs).toEqual(reference.inputs);
    expect(session.outputs).toEqual(reference.outputs);
  });

  it.each(committed)('%s matches ONNX Runtime on its golden examples, as a batch and one by one', async (id) => {
    const { manifest, bytes } = load(id);
    const reference = await ort.createSession(bytes);
    const session = compiled(bytes);
    const model = compileModel(manifest);
    const names = reference.outputs.map((o) => o.name);
    const rows = validRows(
      manifest,
      manifest.golden.map((g) => g.instance),
    );
    expectSameOutputs(`${id} goldens`, await runRows(reference, model, rows, names), await runRows(session, model, rows, names));
    for (const row of rows)
      expectSameOutputs(`${id} goldens`, await runRows(reference, model, [row], names), await runRows(session, model, [row], names));
  });

  it.each(committed)('%s matches ONNX Runtime on 1,000 random rows within the training ranges', async (id) => {
    const { manifest, bytes } = load(id);
    const reference = await ort.createSession(bytes);
    const session = compiled(bytes);
    const model = compileModel(manifest);
    const names = reference.outputs.map((o) => o.name);
    const rows = validRows(manifest, randomInstances(manifest, 1000, id.length * 1009));
    expectSameOutputs(`${id} random rows`, await runRows(reference, model, rows, names), await runRows(session, model, rows, names));
    for (const row of rows.slice(0, 100))
      expectSameOutputs(`${id} random rows`, await runRows(reference, model, [row], names), await runRows(session, model, [row], names));
  });
});

function csvRecords(file: string): Record<string, string | null>[] {
  const parsed = parseCsv(readFileSync(new URL(file, BYOM), 'utf8'));
  if (!parsed.ok) throw new Error(file);
  return parsed.table.records as Record<string, string | null>[];
}

describe('imported sklearn-onnx exports (test/fixtures/byom)', () => {
  function withoutZipMap(file: string): Uint8Array {
    const original = readFileSync(new URL(file, BYOM));
    const read = readOnnxModel(original);
    if (!read.ok) throw new Error(read.message);
    const removed = removeZipMaps(original, read.model);
    if (!removed.ok) throw new Error(removed.message);
    return removed.bytes;
  }

  it.each(['logreg_iris.onnx', 'pipeline_titanic.onnx'])('%s is refused while it still ends in a ZipMap', (file) => {
    const result = compileOnnx(readFileSync(new URL(file, BYOM)));
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/output "output_probability" is a sequence of maps \(a ZipMap output\)/),
    });
  });

  it('logreg_iris.onnx without its ZipMap matches ONNX Runtime on the iris rows and on 1,000 random rows', async () => {
    const bytes = withoutZipMap('logreg_iris.onnx');
    // The export reads two columns: sepal length and width.
    const irisRows = csvRecords('iris.csv').map((r) => [Number(r.sepal_length), Number(r.sepal_width)]);
    const x = (rows: number[][]): Tensor => ({ dtype: 'float32', data: Float32Array.from(rows.flat()), dims: [rows.length, 2] });
    await expectParity('logreg_iris iris.csv', bytes, { X: x(irisRows) }, { singleRows: irisRows.length });
    const random = prng(150);
    const span = [0, 1].map((c) => [Math.min(...irisRows.map((r) => r[c]!)), Math.max(...irisRows.map((r) => r[c]!))] as const);
    const randomRows = Array.from({ length: 1000 }, () => span.map(([lo, hi]) => lo + random() * (hi - lo)));
    await expectParity('logreg_iris random rows', bytes, { X: x(randomRows) }, { singleRows: 100 });
  });

  it('pipeline_titanic.onnx without its ZipMap matches ONNX Runtime on the titanic rows and on 1,000 random rows', async () => {
    const bytes = withoutZipMap('pipeline_titanic.onnx');
    type Passenger = { pclass: string; sex: string; age: number; fare: number; embarked: string };
    const feeds = (people: Passenger[]): Record<string, Tensor> => ({
      pclass: { dtype: 'string', data: people.map((p) => p.pclass), dims: [people.length, 1] },
      sex: { dtype: 'string', data: people.map((p) => p.sex), dims: [people.length, 1] },
      age: { dtype: 'float32', data: Float32Array.from(people.map((p) => p.age)), dims: [people.length, 1] },
      fare: { dtype: 'float32', data: Float32Array.from(people.map((p) => p.fare)), dims: [people.length, 1] },
      embarked: { dtype: 'string', data: people.map((p) => p.embarked), dims: [people.length, 1] },
    });
    const people = csvRecords('small_titanic.csv').map((r) => ({
      pclass: r.pclass ?? '',
      sex: r.sex ?? '',
      age: r.age ? Number(r.age) : Number.NaN,
      fare: r.fare ? Number(r.fare) : Number.NaN,
      embarked: r.embarked || 'missing',
    }));
    await expectParity('pipeline_titanic small_titanic.csv', bytes, feeds(people), { singleRows: people.length });
    const random = prng(1912);
    const randomPeople = Array.from({ length: 1000 }, () => ({
      pclass: pick(random, ['1', '2', '3']),
      sex: pick(random, ['female', 'male']),
      age: random() < 0.1 ? Number.NaN : 0.9167 + random() * 79,
      fare: random() < 0.05 ? Number.NaN : random() * 262.375,
      embarked: pick(random, ['C', 'Q', 'S', 'missing', 'unknown']),
    }));
    await expectParity('pipeline_titanic random rows', bytes, feeds(randomPeople), { singleRows: 100 });
  });
});
