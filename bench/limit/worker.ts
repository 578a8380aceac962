/**
 * The "limit" baseline: a bare Worker on the same workerd that decodes the JSON body, encodes the instances
 * with the manifest's encoding (no validation), runs the model through the same ORT session code as Vigil
 * (src/inference/ort-runtime.ts) and returns the values.
 * No framework, no routing, no deployment lookup, no telemetry: what serving costs when nothing else is done.
 *
 * POST /{model}/{version} with {"instances": [...]} → {"predictions": [{"value": n}, ...]}
 */
import type { ModelSession } from '../../src/inference/model-runtime.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import manifestV1 from '../../models/california-housing/1/manifest.json';
import modelV1 from '../../models/california-housing/1/model.onnx';
import manifestV2 from '../../models/california-housing/2/manifest.json';
import modelV2 from '../../models/california-housing/2/model.onnx';
import { minimalEncoder, type EncodingColumnSpec, type MinimalEncoder } from './minimal-encoder.ts';

interface LimitManifest {
  encoding: { input_name: string; columns: EncodingColumnSpec[] };
  output: { tensor: string };
}

interface LimitModel {
  bytes: ArrayBuffer;
  manifest: LimitManifest;
  encoder: MinimalEncoder;
  session?: Promise<ModelSession>;
}

function model(manifest: unknown, bytes: ArrayBuffer): LimitModel {
  const m = manifest as LimitManifest;
  return { bytes, manifest: m, encoder: minimalEncoder(m.encoding.columns) };
}

// The same ONNX Runtime Web session code as the service (precompiled WASM, runs serialized per isolate).
const runtime = new OrtRuntime();

const MODELS: Record<string, LimitModel> = {
  'california-housing/1': model(manifestV1, modelV1),
  'california-housing/2': model(manifestV2, modelV2),
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const key = new URL(request.url).pathname.slice(1);
    const target = MODELS[key];
    if (!target || request.method !== 'POST') return json({ error: `POST /{model}/{version}; known: ${Object.keys(MODELS).join(', ')}` }, 404);
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
    const input = { dtype: 'float32' as const, data: encoder.encode(instances), dims: [instances.length, encoder.width] };
    const outputs = await session.run({ [manifest.encoding.input_name]: input }, [manifest.output.tensor]);
    const values = outputs[manifest.output.tensor]!.data as Float32Array;
    const predictions = new Array(instances.length);
    for (let i = 0; i < instances.length; i++) predictions[i] = { value: values[i] };
    return json({ predictions });
  },
};
