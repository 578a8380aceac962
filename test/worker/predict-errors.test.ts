import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/api/json-body.ts';
import { fetchWorker, manifestOf, postJson, type ApiError } from './helpers.ts';

const housing = manifestOf('california-housing', '1');
const valid = { ...housing.golden[0]!.instance };

async function expectError(res: Response, status: number, code: string, field?: string): Promise<ApiError> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as ApiError;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  if (field !== undefined) expect(body.error.details.map((d) => d.field)).toContain(field);
  return body;
}

describe('POST /v1/models/{model}/predict input validation', () => {
  it('accepts a valid instance', async () => {
    const res = await postJson('/v1/models/california-housing/predict', { instances: [valid] });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a missing required feature', { median_income: undefined }, 'missing_feature', 'median_income'],
    ['an unknown feature', { bogus_feature: 1 }, 'unknown_feature', 'bogus_feature'],
    ['a string for a number', { median_income: 'high' }, 'wrong_type', 'median_income'],
    ['"NaN"', { median_income: 'NaN' }, 'non_finite', 'median_income'],
    ['"Infinity"', { housing_median_age: 'Infinity' }, 'non_finite', 'housing_median_age'],
    ['a value out of range', { latitude: 123 }, 'out_of_range', 'latitude'],
    ['an unknown category', { ocean_proximity: 'MOON' }, 'unknown_category', 'ocean_proximity'],
    ['null for a non-nullable feature', { median_income: null }, 'null_not_allowed', 'median_income'],
  ])('rejects %s with 400, naming the instance and field', async (_label, patch, code, field) => {
    const instance: Record<string, unknown> = { ...valid, ...patch };
    for (const k of Object.keys(instance)) if (instance[k] === undefined) delete instance[k];
    const res = await postJson('/v1/models/california-housing/predict', { instances: [valid, instance] });
    const body = await expectError(res, 400, 'invalid_instance', field);
    expect(body.error.details[0]).toMatchObject({ instance: 1, field, code });
  });

  it('rejects 1e999 (an overflowed number) as non_finite', async () => {
    const text = JSON.stringify({ instances: [{ ...valid, median_income: 0 }] }).replace('"median_income":0', '"median_income":1e999');
    const body = await expectError(await postJson('/v1/models/california-housing/predict', text), 400, 'invalid_instance', 'median_income');
    expect(body.error.details[0]!.code).toBe('non_finite');
  });

  it('accepts null for total_bedrooms, which the manifest declares nullable', async () => {
    const res = await postJson('/v1/models/california-housing/predict', { instances: [{ ...valid, total_bedrooms: null }] });
    expect(res.status).toBe(200);
  });

  it('rejects more than 1000 instances with 400 too_many_instances', async () => {
    const res = await postJson('/v1/models/california-housing/predict', { instances: new Array(1001).fill(valid) });
    await expectError(res, 400, 'too_many_instances', 'instances');
  });

  it('rejects an empty instance list with 400 no_instances', async () => {
    await expectError(await postJson('/v1/models/california-housing/predict', { instances: [] }), 400, 'no_instances', 'instances');
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const padding = 'x'.repeat(MAX_BODY_BYTES);
    await expectError(
      await postJson('/v1/models/california-housing/predict', { instances: [valid], routing_key: padding }),
      413,
      'payload_too_large',
      'body',
    );
  });

  it('rejects a chunked body over 1 MiB with 413 without a content-length', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.byteLength) controller.close();
        else {
          controller.enqueue(chunk);
          sent += chunk.byteLength;
        }
      },
    });
    const res = await fetchWorker('/v1/models/california-housing/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await expectError(res, 413, 'payload_too_large');
  });

  it('rejects malformed JSON with 400 malformed_json', async () => {
    await expectError(await postJson('/v1/models/california-housing/predict', '{"instances": [{'), 400, 'malformed_json', 'body');
  });

  it('rejects an empty body with 400 malformed_json', async () => {
    await expectError(await postJson('/v1/models/california-housing/predict', ''), 400, 'malformed_json', 'body');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await fetchWorker('/v1/models/california-housing/predict', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ instances: [valid] }),
    });
    await expectError(res, 415, 'unsupported_media_type', 'content-type');
  });

  it('rejects a body without instances, naming the field', async () => {
    await expectError(await postJson('/v1/models/california-housing/predict', { rows: [valid] }), 400, 'invalid_request', 'instances');
  });

  it('rejects a non-object body', async () => {
    await expectError(await postJson('/v1/models/california-housing/predict', [valid]), 400, 'invalid_request');
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    await expectError(await postJson('/v1/models/no-such-model/predict', { instances: [valid] }), 404, 'model_not_found', 'model');
    await expectError(await postJson('/v1/models/no-such-model:predict', { instances: [valid] }), 404, 'model_not_found', 'model');
  });

  it('echoes the caller x-request-id and rejects an unusable one', async () => {
    const res = await postJson('/v1/models/california-housing/predict', { instances: [valid] }, { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(((await res.json()) as { request_id: string }).request_id).toBe('abc-123');
    await expectError(
      await postJson('/v1/models/california-housing/predict', { instances: [valid] }, { 'x-request-id': 'has spaces' }),
      400,
      'invalid_request',
      'x-request-id',
    );
  });

  it('answers unknown routes with a JSON 404', async () => {
    await expectError(await fetchWorker('/v1/nothing-here'), 404, 'not_found');
  });
});

describe('Open Inference Protocol V2', () => {
  it('reports liveness, readiness and server metadata', async () => {
    expect(await (await fetchWorker('/v2/health/live')).json()).toEqual({ live: true });
    const ready = await fetchWorker('/v2/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    expect(await (await fetchWorker('/v2')).json()).toMatchObject({ name: 'vigil' });
  });

  it('describes a model with its versions, platform and tensors', async () => {
    const res = await fetchWorker('/v2/models/adult-income');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      versions: string[];
      platform: string;
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: { name: string }[];
    };
    expect(body.versions).toEqual(['1', '2']);
    expect(body.platform).toBe('onnxruntime_onnx');
    expect(body.inputs).toContainEqual({ name: 'age', datatype: expect.any(String), shape: [-1] });
    expect(body.inputs).toContainEqual({ name: 'sex', datatype: 'BYTES', shape: [-1] });
    expect(body.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
    expect((await fetchWorker('/v2/models/adult-income/versions/1')).status).toBe(200);
  });

  it('reports a version ready after loading it', async () => {
    const res = await fetchWorker('/v2/models/california-housing/versions/1/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'california-housing', ready: true });
  });

  it('answers unknown models and versions with 404 in the spec error shape', async () => {
    for (const path of [
      '/v2/models/nope',
      '/v2/models/nope/ready',
      '/v2/models/adult-income/versions/99',
      '/v2/models/adult-income/versions/99/ready',
    ]) {
      const res = await fetchWorker(path);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: string };
      expect(typeof body.error).toBe('string');
    }
  });

  const tensor = (name: string, datatype: string, data: unknown[]) => ({ name, datatype, shape: [data.length], data });

  function housingInputs(patch: Record<string, unknown> = {}) {
    const instance: Record<string, unknown> = { ...valid, ...patch };
    return housing.features.map((f) => tensor(f.name, f.type === 'category' ? 'BYTES' : 'FP32', [instance[f.name] ?? null]));
  }

  it.each([
    ['an unknown input', [...housingInputs(), tensor('bogus', 'FP32', [1])], 'bogus'],
    [
      'a category sent as FP32',
      housingInputs().map((t) => (t.name === 'ocean_proximity' ? { ...t, datatype: 'FP32' } : t)),
      'ocean_proximity',
    ],
    ['a missing required input', housingInputs().filter((t) => t.name !== 'median_income'), 'median_income'],
    ['a shape that does not match the data', housingInputs().map((t) => (t.name === 'latitude' ? { ...t, shape: [3] } : t)), 'latitude'],
  ])('rejects %s with 400 and a message naming it', async (_label, inputs, name) => {
    const res = await postJson('/v2/models/california-housing/infer', { inputs });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain(name);
  });

  it('rejects a non-finite value with 400 naming the feature', async () => {
    const res = await postJson('/v2/models/california-housing/infer', {
      inputs: housingInputs({ median_income: 'NaN' }).map((t) => (t.name === 'median_income' ? { ...t, datatype: 'FP32' } : t)),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('median_income');
  });

  it('returns only the requested outputs and rejects an unknown one', async () => {
    const adult = (await import('./helpers.ts')).manifestOf('adult-income', '2');
    const instance = adult.golden[0]!.instance;
    const inputs = adult.features.map((f) => tensor(f.name, f.type === 'category' ? 'BYTES' : 'INT64', [instance[f.name] ?? null]));
    const ok = await postJson('/v2/models/adult-income/infer', { inputs, outputs: [{ name: 'label' }] });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual(['label']);
    const bad = await postJson('/v2/models/adult-income/infer', { inputs, outputs: [{ name: 'logits' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('logits');
  });

  it('writes every error under /v2 in the spec shape: an unusable x-request-id, an unknown path, a bad body', async () => {
    const v1Shape = await postJson(
      '/v1/models/california-housing/predict',
      { instances: [valid] },
      { 'x-request-id': 'bad id with spaces' },
    );
    expect(v1Shape.status).toBe(400);
    expect(((await v1Shape.json()) as ApiError).error.code).toBe('invalid_request');
    for (const res of [
      await postJson('/v2/models/california-housing/infer', { inputs: housingInputs() }, { 'x-request-id': 'bad id with spaces' }),
      await fetchWorker('/v2/no/such/route'),
      await postJson('/v2/models/california-housing/infer', { inputs: 'not a list' }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      const body = (await res.json()) as { error: unknown; code?: string };
      expect(typeof body.error, JSON.stringify(body)).toBe('string');
      expect(typeof body.code).toBe('string');
    }
  });

  it('rejects malformed JSON in the spec error shape', async () => {
    const res = await postJson('/v2/models/california-housing/infer', 'not json');
    expect(res.status).toBe(400);
    expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
  });
});
