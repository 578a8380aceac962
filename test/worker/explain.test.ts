/**
 * Explanations and the debug trace inside workerd: `POST /v1/models/{model}/explain` (and `/versions/{v}/explain`,
 * KServe's `:explain`) answers per instance the served prediction and one contribution per original feature that
 * sum to the explained output minus the base value, by the exact method the graph allows; it validates like
 * predict, is not logged, and refuses a graph nothing can explain. `?debug=true` (admin token) shows what the
 * model saw and said.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { softplusRegressor } from '../support/onnx-graphs.ts';
import { adminHeaders, makePrimary, manifestOf, postJson, type ApiError } from './helpers.ts';
import { form, packaged } from './imported-packages.ts';
import { push } from './packages.ts';

const db = (env as unknown as { DB: D1Database }).DB;

interface ExplainBody {
  model: string;
  version: string;
  method: string;
  space: string;
  outputs: string[];
  transform: string;
  reference: string;
  explanations: {
    prediction: { value?: number; label?: string; probabilities?: Record<string, number> };
    explained: number[];
    base_value: number[];
    contributions: Record<string, number[]>;
    standard_error?: Record<string, number[]>;
  }[];
}

const goldens = (model: string, version: string) => manifestOf(model, version).golden;

async function explain(path: string, instances: unknown[]): Promise<ExplainBody> {
  const res = await postJson(path, { instances });
  const body = (await res.json()) as ExplainBody;
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
  return body;
}

/** Contributions add up to explained − base value, for every output, to 1e-6 of the output's scale. */
function expectAdditive(body: ExplainBody): void {
  for (const e of body.explanations) {
    body.outputs.forEach((_, k) => {
      const sum = Object.values(e.contributions).reduce((s, c) => s + c[k]!, 0);
      const scale = Math.max(1, Math.abs(e.explained[k]!), Math.abs(e.base_value[k]!));
      expect(Math.abs(sum - (e.explained[k]! - e.base_value[k]!)) / scale).toBeLessThan(1e-6);
    });
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('POST /v1/models/{model}/explain', () => {
  it('explains the primary of a linear regression exactly, one contribution per feature, in the served value', async () => {
    const instances = goldens('california-housing', '1').map((g) => g.instance);
    const body = await explain('/v1/models/california-housing/explain', instances);
    expect(body).toMatchObject({
      model: 'california-housing',
      version: '1',
      method: 'linear',
      outputs: ['value'],
      reference: 'training statistics',
    });
    expect(Object.keys(body.explanations[0]!.contributions)).toEqual(manifestOf('california-housing', '1').features.map((f) => f.name));
    expectAdditive(body);
    body.explanations.forEach((e, i) => {
      expect(e.prediction.value).toBeCloseTo((goldens('california-housing', '1')[i]!.expected as { value: number }).value, -1);
      expect(Math.abs(e.explained[0]! - e.prediction.value!) / Math.abs(e.prediction.value!)).toBeLessThan(1e-5);
    });
  });

  it('explains a pinned tree ensemble with exact TreeSHAP', async () => {
    const instances = goldens('california-housing', '2').map((g) => g.instance);
    const body = await explain('/v1/models/california-housing/versions/2/explain', instances);
    expect(body).toMatchObject({ version: '2', method: 'tree_shap', space: 'raw' });
    expectAdditive(body);
    for (const e of body.explanations)
      expect(Math.abs(e.explained[0]! - e.prediction.value!) / Math.abs(e.prediction.value!)).toBeLessThan(1e-5);
    // Median income moves house values the most, on average over these instances.
    const meanAbs = (f: string) => body.explanations.reduce((s, e) => s + Math.abs(e.contributions[f]![0]!), 0) / body.explanations.length;
    const features = Object.keys(body.explanations[0]!.contributions);
    expect(features.reduce((best, f) => (meanAbs(f) > meanAbs(best) ? f : best))).toMatch(
      /median_income|longitude|latitude|ocean_proximity/,
    );
  });

  it('explains a logistic model in margin space, whose link gives the served probability', async () => {
    const instances = goldens('adult-income', '1')
      .slice(0, 10)
      .map((g) => g.instance);
    const body = await explain('/v1/models/adult-income/explain', instances);
    expect(body).toMatchObject({ method: 'linear', space: 'margin' });
    expectAdditive(body);
    const positive = manifestOf('adult-income', '1').output.positive_label!;
    const k = body.outputs.indexOf(positive);
    expect(k).toBeGreaterThanOrEqual(0);
    for (const e of body.explanations)
      expect(Math.abs(sigmoid(e.explained[k]!) - e.prediction.probabilities![positive]!)).toBeLessThan(1e-5);
  });

  it("explains an imported scikit-learn pipeline per original column, and through KServe's :explain", async () => {
    await makePrimary('titanic', '1'); // bundled undeployed (models/deployments.json)
    const instances = goldens('titanic', '1').map((g) => g.instance);
    const res = await postJson('/v1/models/titanic:explain', { instances });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ExplainBody;
    expect(body.method).toBe('linear');
    expect(Object.keys(body.explanations[0]!.contributions).sort()).toEqual(['age', 'embarked', 'fare', 'pclass', 'sex']);
    expectAdditive(body);
  });

  it('validates like predict, limits instances to 100, 404s unknown models, and logs nothing', async () => {
    const before = await db.prepare('SELECT count(*) AS n FROM prediction_samples').first<{ n: number }>();
    const bad = await postJson('/v1/models/california-housing/explain', {
      instances: [{ ...goldens('california-housing', '1')[0]!.instance, median_income: 'lots' }],
    });
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as ApiError;
    expect(error.error.details[0]).toMatchObject({ instance: 0, field: 'median_income' });
    const many = Array.from({ length: 101 }, () => goldens('california-housing', '1')[0]!.instance);
    const tooMany = await postJson('/v1/models/california-housing/explain', { instances: many });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as ApiError).error.code).toBe('too_many_instances');
    expect((await postJson('/v1/models/nope/explain', { instances: [{}] })).status).toBe(404);
    expect((await postJson('/v1/models/california-housing/versions/9/explain', { instances: [{}] })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    const after = await db.prepare('SELECT count(*) AS n FROM prediction_samples').first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it('answers 422 naming why for a graph no method can explain', async () => {
    const graph = softplusRegressor();
    const pkg = await packaged('softplus-explain', '1', graph.bytes, graph.csv, { features: ['a', 'b'] });
    expect((await push('softplus-explain', '1', form(pkg))).status).toBe(201);
    const res = await postJson('/v1/models/softplus-explain/explain', { instances: [{ a: 1, b: 2 }] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ApiError;
    expect(body.error.code).toBe('not_explainable');
    expect(body.error.message).toContain('Softplus');
  });
});

describe('?debug=true on predict', () => {
  const instance = goldens('adult-income', '1')[0]!.instance;

  it('needs the admin token, and names the parameter when it is not true or false', async () => {
    expect((await postJson('/v1/models/adult-income/predict?debug=true', { instances: [instance] })).status).toBe(401);
    const bad = await postJson('/v1/models/adult-income/predict?debug=maybe', { instances: [instance] }, adminHeaders);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).error.details[0]!.field).toBe('debug');
    const plain = (await (await postJson('/v1/models/adult-income/predict?debug=false', { instances: [instance] })).json()) as Record<
      string,
      unknown
    >;
    expect(plain.debug).toBeUndefined();
  });

  it('shows the validated instance, the encoded tensor, the raw outputs and the engine', async () => {
    const res = await postJson('/v1/models/adult-income/predict?debug=true', { instances: [instance] }, adminHeaders);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      predictions: { probabilities: Record<string, number> }[];
      debug: {
        engine: string;
        validated: Record<string, unknown>[];
        inputs: Record<string, { type: string; dims: number[]; data: number[] }>;
        outputs: Record<string, { data: number[] }>;
      };
    };
    const manifest = manifestOf('adult-income', '1');
    expect(body.debug.engine).toBe('compiled');
    expect(Object.keys(body.debug.validated[0]!)).toEqual(manifest.features.map((f) => f.name));
    const golden = manifest.golden[0]!;
    const input = Object.values(body.debug.inputs)[0]!;
    expect(input.dims).toEqual([1, (golden.encoded as number[]).length]);
    input.data.forEach((v, i) => expect(v).toBeCloseTo((golden.encoded as number[])[i]!, 5));
    const probabilities = body.debug.outputs[manifest.output.tensor]!.data;
    expect(probabilities[1]).toBeCloseTo(body.predictions[0]!.probabilities[manifest.output.labels![1]!]!, 6);
    const kserve = await postJson('/v1/models/adult-income:predict?debug=true', { instances: [instance] }, adminHeaders);
    expect(((await kserve.json()) as { debug?: unknown }).debug).toBeDefined();
  });
});
