/**
 * The "limit" baseline: a bare Worker on the same workerd that decodes the JSON body, encodes the instances
 * with the manifest's encoding (no validation), runs the model through the same ORT session code as Vigil
 * (src/inference/ort-runtime.ts) and returns the predictions.
 * No framework, no routing, no deployment lookup, no telemetry: what serving costs when nothing else is done.
 *
 * POST /{model}/{version} with {"instances": [...]} → {"predictions": [{"value": n}, ...]} for regression,
 * {"predictions": [{"label": l, "probabilities": {l: p, ...}}, ...]} for classifiers (label: the most probable).
 */
import type { ModelSession } from '../../src/inference/model-runtime.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import adultIncomeManifestV2 from '../../models/adult-income/2/manifest.json';
import adultIncomeModelV2 from '../../models/adult-income/2/model.onnx';
import housingManifestV1 from '../../models/california-housing/1/manifest.json';
import housingModelV1 from '../../models/california-housing/1/model.onnx';
import housingManifestV2 from '../../models/california-housing/2/manifest.json';
import housingModelV2 from '../../models/california-housing/2/model.onnx';
import titanicManifestV1 from '../../models/titanic/1/manifest.json';
import titanicModelV1 from '../../models/titanic/1/model.onnx';
import { minimalFeedsEncoder, type EncodingSpec, type MinimalFeedsEncoder } from './minimal-encoder.ts';

interface LimitManifest {
  task: string;
  encoding: EncodingSpec;
  output: { tensor: string; labels?: string[] };
}

interface LimitModel {
  bytes: ArrayBuffer;
  manifest: LimitManifest;
  encoder: MinimalFeedsEncoder;
  session?: Promise<ModelSession>;
}

function model(manifest: unknown, bytes: ArrayBuffer): LimitModel {
  const m = manifest as LimitManifest;
  return { bytes, manifest: m, encoder: minimalFeedsEncoder(m.encoding) };
}

// The same ONNX Runtime Web session code as the service (precompiled WASM, runs serialized per isolate).
const runtime = new OrtRuntime();

const MODELS: Record<string, LimitModel> = {
  'california-housing/1': model(housingManifestV1, housingModelV1),
  'california-housing/2': model(housingManifestV2, housingModelV2),
  'adult-income/2': model(adultIncomeManifestV2, adultIncomeModelV2),
  'titanic/1': model(titanicManifestV1, titanicModelV1),
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Values → predictions: one value per row for regression, one probability per label (row-major) otherwise. */
function predictions(manifest: LimitManifest, values: Float32Array, rows: number): unknown[] {
  const out = new Array(rows);
  if (manifest.task === 'regression') {
    for (let i = 0; i < rows; i++) out[i] = { value: values[i] };
    return out;
  }
  const labels = manifest.output.labels ?? [];
  const k = labels.length;
  for (let i = 0; i < rows; i++) {
    const probabilities: Record<string, number> = {};
    let best = 0;
    for (let j = 0; j < k; j++) {
      probabilities[labels[j]!] = values[i * k + j]!;
      if (values[i * k + j]! > values[i * k + best]!) best = j;
    }
    out[i] = { label: labels[best], probabilities };
  }
  return out;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const key = new URL(request.url).pathname.slice(1);
    const target = MODELS[key];
    if (!target || request.method !== 'POST')
      return json({ error: `POST /{model}/{version}; known: ${Object.keys(MODELS).join(', ')}` }, 404);
    let instances: Record<string, unknown>[];
    try {
      instances = ((await request.json()) as { instances: Record<string, unknown>[] }).instances;
      if (!Array.isArray(instances) || instances.length === 0) throw new Error('no instances');
    } catch (error) {
      return json({ error: String(error) }, 400);
    }
    target.session ??= runtime.createSession(new Uint8Array(target.bytes));
    const session = await target.session;
    const { manifest, encoder } = target;
    const outputs = await session.run(encoder.encode(instances), [manifest.output.tensor]);
    return json({ predictions: predictions(manifest, outputs[manifest.output.tensor]!.data as Float32Array, instances.length) });
  },
};
