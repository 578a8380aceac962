/**
 * Imported models end to end inside workerd: packaged by `packageModel` on the Worker's own ONNX Runtime,
 * pushed as a new model, deployed, served through V1, KServe V1 and OIP V2 exactly as native ONNX Runtime
 * predicts, and monitored like the trained ones (samples, shadow comparisons, checks, reports).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../cli/lib/csv.ts';
import type { ClassificationPrediction } from '../../src/model/decode.ts';
import irisCsv from '../fixtures/byom/iris.csv?raw';
import irisOnnx from '../fixtures/byom/logreg_iris.onnx';
import nativeReference from '../fixtures/byom/native-reference.json';
import titanicCsv from '../fixtures/byom/small_titanic.csv?raw';
import { mixedInputsRegressor } from '../support/onnx-graphs.ts';
import { adminHeaders, adminJson, expectClose, fetchWorker, postJson, type ApiError } from './helpers.ts';
import { form, packaged } from './imported-packages.ts';
import { push } from './packages.ts';

const db = (env as unknown as { DB: D1Database }).DB;
function records(csv: string) {
  const parsed = parseCsv(csv);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.table.records;
}

type Native = { rows: { label: string; probabilities: number[] }[] };
const native = nativeReference as unknown as Record<string, Native>;

function expectNative(predictions: readonly ClassificationPrediction[], file: string): void {
  const rows = native[file]!.rows;
  expect(predictions).toHaveLength(rows.length);
  predictions.forEach((p, i) => {
    expect(p.label, `row ${i}`).toBe(rows[i]!.label);
    rows[i]!.probabilities.forEach((want, j) => expect(Math.abs(p.probabilities[String(j)]! - want)).toBeLessThanOrEqual(1e-5));
  });
}

async function predictions(path: string, body: unknown): Promise<ClassificationPrediction[]> {
  const res = await postJson(path, body);
  expect(res.status).toBe(200);
  const json = (await res.json()) as { predictions: ClassificationPrediction[] };
  return json.predictions;
}

const iris = records(irisCsv);
const titanic = records(titanicCsv);
const titanicInstances = titanic.map((r) => ({
  pclass: r.pclass,
  sex: r.sex,
  age: r.age === null ? null : Number(r.age),
  fare: Number(r.fare),
  embarked: r.embarked,
}));

// One file-wide D1: the tests build on each other (iris is pushed first, then served, shadowed and monitored).
describe('an imported model pushed to Vigil for the first time', () => {
  it('is packaged on the Worker runtime, passes QA, and its first push makes it the primary (an audited event)', async () => {
    const pkg = await packaged('iris', '1', new Uint8Array(irisOnnx), irisCsv, {
      target: 'species',
      features: ['sepal_length', 'sepal_width'],
    });
    const res = await push<{ status: string; deployment?: { primary: string; updated_by: string } }>('iris', '1', form(pkg), {
      'x-vigil-actor': 'ana',
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('qa_passed');
    expect(res.body.deployment).toMatchObject({ primary: '1', updated_by: 'ana' });
    const events = await adminJson<{ events: { action: string; actor: string; reason: string; after: { primary: string } }[] }>(
      'GET',
      '/models/iris/events',
    );
    expect(events.body.events).toEqual([
      expect.objectContaining({
        action: 'bootstrap',
        actor: 'ana',
        reason: 'first version of a new model to pass QA',
        after: expect.objectContaining({ primary: '1' }),
      }),
    ]);
  });

  it('serves every row of its CSV through V1, KServe V1 and OIP V2 as native ONNX Runtime predicts them', async () => {
    const pairs = iris.map((r) => [Number(r.sepal_length), Number(r.sepal_width)] as const);
    expectNative(
      await predictions('/v1/models/iris/predict', {
        instances: pairs.map(([sepal_length, sepal_width]) => ({ sepal_length, sepal_width })),
      }),
      'logreg_iris.onnx',
    );
    expectNative(await predictions('/v1/models/iris:predict', { instances: pairs }), 'logreg_iris.onnx');
    const res = await postJson('/v2/models/iris/infer', {
      inputs: [{ name: 'X', datatype: 'FP32', shape: [pairs.length, 2], data: pairs.flat() }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: { name: string; shape: number[]; data: (string | number)[] }[] };
    const labels = body.outputs.find((o) => o.name === 'label')!;
    const probabilities = body.outputs.find((o) => o.name === 'probabilities')!;
    expect(probabilities.shape).toEqual([pairs.length, 3]);
    expectNative(
      labels.data.map((label, i) => ({
        label: label as string,
        probabilities: Object.fromEntries([0, 1, 2].map((j) => [String(j), probabilities.data[i * 3 + j] as number])),
      })),
      'logreg_iris.onnx',
    );
  });

  it('describes its real input tensor in OIP V2 metadata, and takes one tensor per feature too', async () => {
    const res = await fetchWorker('/v2/models/iris');
    expect(await res.json()).toEqual({
      name: 'iris',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
      parameters: {
        version: '1',
        engine: 'compiled',
        features: [
          { name: 'sepal_length', datatype: 'FP32' },
          { name: 'sepal_width', datatype: 'FP32' },
        ],
      },
    });
    const perFeature = await postJson('/v2/models/iris/infer', {
      inputs: [
        { name: 'sepal_length', datatype: 'FP32', shape: [1], data: [5.1] },
        { name: 'sepal_width', datatype: 'FP32', shape: [1], data: [3.5] },
      ],
    });
    expect(perFeature.status).toBe(200);
    const wrongShape = await postJson('/v2/models/iris/infer', {
      inputs: [{ name: 'X', datatype: 'FP32', shape: [1, 3], data: [5.1, 3.5, 1] }],
    });
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { error: string }).error).toBe('input "X" has shape [1, 3]; use [N, 2]');
  });

  it('rejects instances its manifest does not allow with 400s that name the field', async () => {
    const res = await postJson('/v1/models/iris/predict', {
      instances: [
        { sepal_length: 'long', sepal_width: 3 },
        { sepal_length: null, sepal_width: 3 },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ApiError;
    expect(body.error.details.map((d) => [d.instance, d.field, d.code])).toEqual([
      [0, 'sepal_length', 'wrong_type'],
      [1, 'sepal_length', 'null_not_allowed'],
    ]);
  });

  it('shadows a later version, records comparisons, and reports on it like any model', async () => {
    const v2 = await packaged('iris', '2', new Uint8Array(irisOnnx), irisCsv, {
      target: 'species',
      features: ['sepal_length', 'sepal_width'],
    });
    const res = await push<{ status: string; deployment?: unknown }>('iris', '2', form(v2));
    expect(res.status).toBe(201);
    expect(res.body.deployment).toBeUndefined();
    expect((await adminJson('POST', '/models/iris/deployment', { action: 'shadow', version: '2', sample_rate: 1 })).status).toBe(200);
    expect(
      (await adminJson('POST', '/models/iris/deployment', { action: 'sampling', sample_rate: 1, reason: 'label every prediction' })).status,
    ).toBe(200);
    const served = await postJson('/v1/models/iris/predict', {
      instances: iris.slice(0, 20).map((r) => ({ sepal_length: Number(r.sepal_length), sepal_width: Number(r.sepal_width) })),
    });
    const requestId = served.headers.get('x-request-id')!;
    const deadline = Date.now() + 20_000;
    let agree: { n: number; agree: number } | null = null;
    while (Date.now() < deadline) {
      agree = await db
        .prepare('SELECT count(*) AS n, sum(label_agree) AS agree FROM shadow_comparisons WHERE request_id = ?')
        .bind(requestId)
        .first<{ n: number; agree: number }>();
      if (agree && agree.n >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(agree).toEqual({ n: 20, agree: 20 });
    const shadow = await fetchWorker('/v1/models/iris/reports/shadow', { headers: { authorization: 'Bearer test-admin-token' } });
    expect(shadow.status).toBe(200);
    const shadowJson = (await shadow.json()) as { task: string; shadows: { differences: { measure: string } }[] };
    expect(shadowJson.task).toBe('multiclass_classification');
    // A multiclass prediction's score is its predicted label's probability, not the second label's.
    expect(shadowJson.shadows[0]!.differences.measure).toBe('probability of the predicted label');

    // Labelled, it is judged by accuracy: no AUC of one class ranked by another class's probability.
    const labels = iris.slice(0, 20).map((r, instance) => ({ request_id: requestId, instance, label: String(r.species) }));
    expect((await postJson('/v1/models/iris/feedback', { items: labels }, adminHeaders)).status).toBe(200);
    const quality = await fetchWorker('/v1/models/iris/reports/quality', { headers: adminHeaders });
    expect(quality.status).toBe(200);
    const overall = ((await quality.json()) as { overall: { labelled: number; serving: Record<string, number | null> } }).overall;
    expect(overall.labelled).toBe(20);
    const servedLabels = ((await served.clone().json()) as { predictions: ClassificationPrediction[] }).predictions.map((p) => p.label);
    const correct = servedLabels.filter((label, i) => label === labels[i]!.label).length;
    expect(overall.serving).toEqual({ accuracy: correct / 20 });
    for (const kind of ['drift', 'quality', 'score', 'canary']) {
      expect(
        (await fetchWorker(`/v1/models/iris/reports/${kind}`, { headers: { authorization: 'Bearer test-admin-token' } })).status,
        kind,
      ).toBe(200);
    }
    const checks = await fetchWorker('/admin/checks/run?model=iris&window=10m', {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(checks.status).toBe(200);
    const ran = (await checks.json()) as { models: { model: string; results: { check: string; status: string }[] }[] };
    const parity = ran.models[0]!.results.filter((r) => r.check === 'parity');
    expect(parity.length).toBeGreaterThan(0);
    expect(parity.every((r) => r.status === 'pass')).toBe(true);
  });
});

describe('the bundled titanic model (imported with vigil package)', () => {
  it('is registered and QA-gated but serves only once an operator promotes it (models/deployments.json: null)', async () => {
    const refused = await postJson('/v1/models/titanic/predict', { instances: titanicInstances.slice(0, 1) });
    expect(refused.status).toBe(404);
    const error = ((await refused.json()) as ApiError).error;
    expect(error.message).toContain('vigil promote titanic');
    expect(error.details).toEqual([expect.objectContaining({ field: 'model', code: 'not_deployed' })]);
    // The admin API and the reports say the same, not that no version passed QA.
    for (const path of ['/admin/models/titanic/deployment', '/v1/models/titanic/reports/score']) {
      const res = await fetchWorker(path, { headers: adminHeaders });
      expect(res.status).toBe(404);
      expect(((await res.json()) as ApiError).error.details).toEqual([expect.objectContaining({ code: 'not_deployed' })]);
    }
    // Not ready as a model, without making the server unready; its version says it could serve.
    expect((await fetchWorker('/v2/models/titanic/ready')).status).toBe(400);
    expect((await fetchWorker('/v2/health/ready')).status).toBe(200);
    expect(await (await fetchWorker('/v2/models/titanic/versions/1/ready')).json()).toEqual({ name: 'titanic', ready: true });
    const versions = await adminJson<{ versions: { version: string; status: string }[] }>('GET', '/models/titanic/versions');
    expect(versions.body.versions).toEqual([expect.objectContaining({ version: '1', status: 'qa_passed' })]);

    const promoted = await adminJson<{ deployment: { primary: string; revision: number }; event: { action: string; before: unknown } }>(
      'POST',
      '/models/titanic/deployment',
      {
        action: 'promote',
        version: '1',
        reason: 'serve the imported example',
      },
    );
    expect(promoted).toMatchObject({
      status: 200,
      body: { deployment: { primary: '1', revision: 1 }, event: { action: 'promote', before: null } },
    });
    const events = await adminJson<{ events: { action: string }[] }>('GET', '/models/titanic/events');
    expect(events.body.events.map((e) => e.action)).toEqual(['promote']);
    const sampling = await adminJson('POST', '/models/titanic/deployment', { action: 'sampling', sample_rate: 1 });
    expect(sampling.status).toBe(200);
    expect((await fetchWorker('/v2/models/titanic/ready')).status).toBe(200);
  });

  it('serves every passenger through V1 and OIP V2 as native ONNX Runtime predicts it from the original export', async () => {
    expectNative(await predictions('/v1/models/titanic/predict', { instances: titanicInstances }), 'pipeline_titanic.onnx');
    const column = (name: string, datatype: string, values: unknown[]) => ({ name, datatype, shape: [values.length, 1], data: values });
    const res = await postJson('/v2/models/titanic/infer', {
      inputs: [
        column(
          'pclass',
          'BYTES',
          titanicInstances.map((i) => i.pclass),
        ),
        column(
          'sex',
          'BYTES',
          titanicInstances.map((i) => i.sex),
        ),
        column(
          'age',
          'FP32',
          titanicInstances.map((i) => i.age),
        ),
        column(
          'fare',
          'FP32',
          titanicInstances.map((i) => i.fare),
        ),
        column(
          'embarked',
          'BYTES',
          titanicInstances.map((i) => i.embarked),
        ),
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: { name: string; data: (string | number)[] }[] };
    const labels = body.outputs.find((o) => o.name === 'label')!.data;
    const probabilities = body.outputs.find((o) => o.name === 'probabilities')!.data as number[];
    expectNative(
      labels.map((label, i) => ({ label: label as string, probabilities: { '0': probabilities[2 * i]!, '1': probabilities[2 * i + 1]! } })),
      'pipeline_titanic.onnx',
    );
  });

  it('describes its per-column string and float inputs with their real datatypes', async () => {
    const res = await fetchWorker('/v2/models/titanic');
    const body = (await res.json()) as { inputs: unknown[]; parameters?: unknown };
    expect(body.inputs).toEqual([
      { name: 'pclass', datatype: 'BYTES', shape: [-1, 1] },
      { name: 'sex', datatype: 'BYTES', shape: [-1, 1] },
      { name: 'age', datatype: 'FP32', shape: [-1, 1] },
      { name: 'fare', datatype: 'FP32', shape: [-1, 1] },
      { name: 'embarked', datatype: 'BYTES', shape: [-1, 1] },
    ]);
    // Per-column inputs need no feature list; the sklearn pipeline runs on the compiled evaluator.
    expect(body.parameters).toEqual({ version: '1', engine: 'compiled' });
  });

  it('logs every prediction as a sample (sampling set to 100 % above), with the imported features', async () => {
    const res = await postJson('/v1/models/titanic/predict', { instances: titanicInstances.slice(0, 3) });
    const requestId = res.headers.get('x-request-id')!;
    const deadline = Date.now() + 20_000;
    let rows: { features: string }[] = [];
    while (Date.now() < deadline && rows.length < 3) {
      rows = (
        await db
          .prepare('SELECT features FROM prediction_samples WHERE request_id = ? ORDER BY instance')
          .bind(requestId)
          .all<{ features: string }>()
      ).results;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows).toHaveLength(3);
    expect(JSON.parse(rows[0]!.features)).toMatchObject({ pclass: '1', sex: 'female', embarked: 'S' });
  });
});

describe('a graph of every input dtype, packaged and served in workerd', () => {
  it('feeds int64, string, bool, double and int32 tensors as the graph declares them', async () => {
    const graph = mixedInputsRegressor();
    const pkg = await packaged('mixed-dtypes', '1', graph.bytes, graph.csv);
    expect((await push('mixed-dtypes', '1', form(pkg))).status).toBe(201);
    const instances = graph.csv
      .split('\n')
      .slice(1)
      .map((line) => {
        const [rooms, city, garden, area, floor] = line.split(',');
        return { rooms: Number(rooms), city, garden: garden === 'true', area: Number(area), floor: Number(floor) };
      });
    const res = await postJson('/v1/models/mixed-dtypes:predict', { instances });
    expect(res.status).toBe(200);
    const values = ((await res.json()) as { predictions: number[] }).predictions;
    graph.expected.forEach((e, i) => expectClose(values[i]!, (e as { value: number }).value));
    const metadata = (await (await fetchWorker('/v2/models/mixed-dtypes')).json()) as {
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: unknown;
    };
    expect(metadata.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`)).toEqual([
      'rooms INT64 [-1]',
      'city BYTES [-1, 1]',
      'garden BOOL [-1]',
      'area FP64 [-1, 1]',
      'floor INT32 [-1, 1]',
    ]);
  });
});
