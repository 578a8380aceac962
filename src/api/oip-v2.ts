/**
 * Open Inference Protocol V2 (KServe V2 / Triton) REST routes. A tabular model's inputs are one tensor per
 * feature, shape [N] (or [N, 1]); outputs are `value` (regression) or `label` and `probabilities`
 * (classification). Errors on these routes use the spec's `{"error": "<message>"}` shape (see app.ts).
 */
import { Hono, type Context } from 'hono';
import { InvalidRequestError } from '../errors.ts';
import type { Feature, Manifest } from '../model/manifest.ts';
import type { PredictResult } from '../serving/prediction-service.ts';
import { VIGIL_VERSION } from '../version.ts';
import { predictAuth } from './auth.ts';
import { backgroundOf } from './background.ts';
import type { AppEnv } from './context.ts';
import { readJsonBody } from './json-body.ts';
import { parseBody } from './schema-errors.ts';
import { V2InferRequestSchema, type V2Datatype, type V2InferRequest } from './schemas.ts';

const NUMERIC_DATATYPES = new Set<V2Datatype>(['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64']);

export function featureDatatype(feature: Pick<Feature, 'type'>): V2Datatype {
  switch (feature.type) {
    case 'number':
      return 'FP32';
    case 'integer':
      return 'INT64';
    case 'category':
      return 'BYTES';
    case 'boolean':
      return 'BOOL';
  }
}

function acceptsDatatype(feature: Feature, datatype: V2Datatype): boolean {
  switch (feature.type) {
    case 'number':
    case 'integer':
      return NUMERIC_DATATYPES.has(datatype);
    case 'category':
      return datatype === 'BYTES';
    case 'boolean':
      return datatype === 'BOOL';
  }
}

export function outputMetadata(manifest: Manifest): { name: string; datatype: V2Datatype; shape: number[] }[] {
  if (manifest.task === 'regression') return [{ name: 'value', datatype: 'FP32', shape: [-1] }];
  return [
    { name: 'label', datatype: 'BYTES', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, manifest.output.labels?.length ?? 2] },
  ];
}

function badInput(message: string, field: string, code = 'invalid_tensor'): InvalidRequestError {
  return new InvalidRequestError(message, [{ field, code, message }]);
}

/** Turns V2 input tensors (one per feature) into instances for the prediction service. */
export function instancesFromTensors(manifest: Manifest, request: V2InferRequest): Record<string, unknown>[] {
  const features = new Map(manifest.features.map((f) => [f.name, f]));
  const seen = new Set<string>();
  let batch: number | undefined;
  const columns: { name: string; values: unknown[] }[] = [];
  for (const [i, input] of request.inputs.entries()) {
    const field = `inputs.${i}`;
    const feature = features.get(input.name);
    if (!feature) {
      throw badInput(`input "${input.name}" is not an input of this model; inputs: ${[...features.keys()].join(', ')}`, `${field}.name`, 'unknown_input');
    }
    if (seen.has(input.name)) throw badInput(`input "${input.name}" is given twice`, `${field}.name`, 'duplicate_input');
    seen.add(input.name);
    if (!acceptsDatatype(feature, input.datatype)) {
      throw badInput(`input "${input.name}" has datatype ${input.datatype}; it takes ${featureDatatype(feature)}`, `${field}.datatype`, 'wrong_datatype');
    }
    if (input.shape.length === 2 && input.shape[1] !== 1) {
      throw badInput(`input "${input.name}" has shape [${input.shape.join(', ')}]; use [N] or [N, 1]`, `${field}.shape`, 'wrong_shape');
    }
    const values = input.data.some(Array.isArray) ? input.data.flat() : input.data;
    const rows = input.shape[0]!;
    if (values.length !== rows) {
      throw badInput(`input "${input.name}" has shape [${input.shape.join(', ')}] but ${values.length} values`, `${field}.data`, 'shape_mismatch');
    }
    if (batch !== undefined && rows !== batch) {
      throw badInput(`input "${input.name}" has ${rows} rows, other inputs have ${batch}; all inputs need the same batch size`, `${field}.shape`, 'batch_mismatch');
    }
    batch = rows;
    columns.push({ name: input.name, values });
  }
  for (const feature of manifest.features) {
    if (feature.required && !seen.has(feature.name)) {
      throw badInput(`input tensor "${feature.name}" is missing (${featureDatatype(feature)}, shape [N])`, 'inputs', 'missing_input');
    }
  }
  const instances: Record<string, unknown>[] = [];
  for (let r = 0; r < (batch ?? 0); r++) {
    const instance: Record<string, unknown> = {};
    for (const column of columns) instance[column.name] = column.values[r];
    instances.push(instance);
  }
  return instances;
}

function outputsOf(result: PredictResult, requested: V2InferRequest['outputs']) {
  const { manifest } = result;
  const n = result.predictions.length;
  const all =
    manifest.task === 'regression'
      ? [{ name: 'value', datatype: 'FP32' as const, shape: [n], data: result.predictions.map((p) => ('value' in p ? p.value : Number.NaN)) }]
      : (() => {
          const labels = manifest.output.labels ?? [];
          const probabilities: number[] = [];
          const predicted: string[] = [];
          for (const p of result.predictions) {
            if ('label' in p) {
              predicted.push(p.label);
              for (const label of labels) probabilities.push(p.probabilities[label]!);
            }
          }
          return [
            { name: 'label', datatype: 'BYTES' as const, shape: [n], data: predicted },
            { name: 'probabilities', datatype: 'FP32' as const, shape: [n, labels.length], data: probabilities },
          ];
        })();
  if (!requested) return all;
  return requested.map((r, i) => {
    const output = all.find((o) => o.name === r.name);
    if (!output) {
      throw badInput(`output "${r.name}" does not exist; outputs: ${all.map((o) => o.name).join(', ')}`, `outputs.${i}.name`, 'unknown_output');
    }
    return output;
  });
}

export function oipV2Routes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => c.json({ name: 'vigil', version: VIGIL_VERSION, extensions: [] }));
  app.get('/health/live', (c) => c.json({ live: true }));
  app.get('/health/ready', async (c) => {
    const service = c.var.services.predictions;
    const models = await service.models();
    const ready = (await Promise.all(models.map((m) => service.ready(m)))).every(Boolean);
    return c.json({ ready }, ready ? 200 : 400);
  });

  const metadata = async (c: Context<AppEnv>) => {
    const { name, versions, manifest } = await c.var.services.predictions.describe(c.req.param('model')!, c.req.param('version'));
    return c.json({
      name,
      versions,
      platform: 'onnxruntime_onnx',
      inputs: manifest.features.map((f) => ({ name: f.name, datatype: featureDatatype(f), shape: [-1] })),
      outputs: outputMetadata(manifest),
    });
  };
  app.get('/models/:model', metadata);
  app.get('/models/:model/versions/:version', metadata);

  const ready = async (c: Context<AppEnv>) => {
    const model = c.req.param('model')!;
    const isReady = await c.var.services.predictions.ready(model, c.req.param('version'));
    return c.json({ name: model, ready: isReady }, isReady ? 200 : 400);
  };
  app.get('/models/:model/ready', ready);
  app.get('/models/:model/versions/:version/ready', ready);

  const infer = async (c: Context<AppEnv>) => {
    const service = c.var.services.predictions;
    const model = c.req.param('model')!;
    const version = c.req.param('version');
    const body = parseBody(V2InferRequestSchema, await readJsonBody(c.req.raw));
    const result = await service.predict({
      model,
      ...(version !== undefined ? { version } : {}),
      instances: (manifest) => instancesFromTensors(manifest, body),
      routingKey: c.req.header('x-routing-key'),
      requestId: c.var.requestId,
    }, backgroundOf(c));
    c.header('x-model-version', result.version);
    return c.json({
      model_name: model,
      model_version: result.version,
      id: body.id ?? result.requestId,
      outputs: outputsOf(result, body.outputs),
    });
  };
  app.post('/models/:model/infer', predictAuth, infer);
  app.post('/models/:model/versions/:version/infer', predictAuth, infer);

  return app;
}
