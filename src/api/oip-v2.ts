/**
 * Open Inference Protocol V2 (KServe V2 / Triton) REST routes. A tabular model's inputs are one tensor per
 * feature, shape [N] (or [N, 1]); an imported model also takes its own input tensors as its graph declares
 * them (a matrix [N, k] in its column order, or per-column tensors of their real datatypes), and its metadata
 * shows those. Outputs are `value` (regression) or `label` and `probabilities` (classification). Errors on
 * these routes use the spec's `{"error": "<message>"}` shape (see app.ts).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { InvalidRequestError, NoDeploymentError } from '../errors.ts';
import type { Feature, Manifest } from '../model/manifest.ts';
import type { TensorDtype } from '../model/tensor.ts';
import type { PredictResult } from '../serving/prediction-service.ts';
import { VIGIL_VERSION } from '../version.ts';
import { predictAuth } from './auth.ts';
import { backgroundOf } from './background.ts';
import type { AppEnv, ErrorBodyWriter } from './context.ts';
import { readJsonBody } from './json-body.ts';
import { parseBody } from './schema-errors.ts';
import { V2Datatype, V2InferRequestSchema, type V2InferRequest } from './schemas.ts';

/** Every V2 datatype but BOOL and BYTES. */
const NUMERIC_DATATYPES = new Set<V2Datatype>(V2Datatype.options.filter((d) => d !== 'BOOL' && d !== 'BYTES'));

const DTYPE_DATATYPES: Record<TensorDtype, V2Datatype> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
  bool: 'BOOL',
};

/** A feature's datatype: its tensor's, when the model takes it as itself (imported models), else by type. */
export function featureDatatype(feature: Pick<Feature, 'type'>, dtype?: TensorDtype): V2Datatype {
  if (dtype) return DTYPE_DATATYPES[dtype];
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

interface V2Input {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  /** The features its columns hold, in order. */
  features: Feature[];
}

/**
 * The input tensors a model is described and fed by: each model input of an imported model (its own name,
 * datatype and shape), else one tensor per feature.
 */
export function v2Inputs(manifest: Manifest): V2Input[] {
  const byName = new Map(manifest.features.map((f) => [f.name, f]));
  if (!('inputs' in manifest.encoding))
    return manifest.features.map((f) => ({ name: f.name, datatype: featureDatatype(f), shape: [-1], features: [f] }));
  return manifest.encoding.inputs.map((input) => ({
    name: input.name,
    datatype: DTYPE_DATATYPES[input.dtype],
    shape: input.rank === 1 ? [-1] : [-1, input.columns.length],
    features: input.columns.map((c) => byName.get(c.feature)!),
  }));
}

function badInput(message: string, field: string, code = 'invalid_tensor'): InvalidRequestError {
  return new InvalidRequestError(message, [{ field, code, message }]);
}

/**
 * Turns V2 input tensors into instances for the prediction service: one tensor per feature ([N] or [N, 1]),
 * or an imported model's own input tensors (a matrix input [N, k] holds k features per row).
 */
export function instancesFromTensors(manifest: Manifest, request: V2InferRequest): Record<string, unknown>[] {
  const features = new Map(manifest.features.map((f) => [f.name, f]));
  const modelInputs = new Map(
    v2Inputs(manifest)
      .filter((i) => i.features.length > 1)
      .map((i) => [i.name, i]),
  );
  const seen = new Set<string>();
  let batch: number | undefined;
  const columns: { name: string; values: unknown[] }[] = [];
  for (const [i, input] of request.inputs.entries()) {
    const field = `inputs.${i}`;
    const feature = features.get(input.name);
    const matrix = feature ? undefined : modelInputs.get(input.name);
    if (!feature && !matrix) {
      const names = [...modelInputs.keys(), ...features.keys()];
      throw badInput(`input "${input.name}" is not an input of this model; inputs: ${names.join(', ')}`, `${field}.name`, 'unknown_input');
    }
    const held = feature ? [feature] : matrix!.features;
    for (const f of held) {
      if (seen.has(f.name))
        throw badInput(
          `input "${input.name}" gives feature "${f.name}", which another input gives too`,
          `${field}.name`,
          'duplicate_input',
        );
      seen.add(f.name);
      if (!acceptsDatatype(f, input.datatype)) {
        const wanted = matrix ? matrix.datatype : featureDatatype(f, inputDtype(manifest, f.name));
        throw badInput(`input "${input.name}" has datatype ${input.datatype}; it takes ${wanted}`, `${field}.datatype`, 'wrong_datatype');
      }
    }
    const width = held.length;
    if (input.shape.length === 2 ? input.shape[1] !== width : width !== 1) {
      throw badInput(
        `input "${input.name}" has shape [${input.shape.join(', ')}]; use ${width === 1 ? '[N] or [N, 1]' : `[N, ${width}]`}`,
        `${field}.shape`,
        'wrong_shape',
      );
    }
    const values = input.data.some(Array.isArray) ? input.data.flat() : input.data;
    const rows = input.shape[0]!;
    if (values.length !== rows * width) {
      throw badInput(
        `input "${input.name}" has shape [${input.shape.join(', ')}] but ${values.length} values`,
        `${field}.data`,
        'shape_mismatch',
      );
    }
    if (batch !== undefined && rows !== batch) {
      throw badInput(
        `input "${input.name}" has ${rows} rows, other inputs have ${batch}; all inputs need the same batch size`,
        `${field}.shape`,
        'batch_mismatch',
      );
    }
    batch = rows;
    held.forEach((f, k) => columns.push({ name: f.name, values: width === 1 ? values : values.filter((_, v) => v % width === k) }));
  }
  for (const feature of manifest.features) {
    if (feature.required && !seen.has(feature.name)) {
      const carrier = [...modelInputs.values()].find((i) => i.features.includes(feature));
      throw badInput(
        carrier
          ? `input tensor "${carrier.name}" is missing (${carrier.datatype}, shape [N, ${carrier.features.length}]: ` +
              `${carrier.features.map((f) => f.name).join(', ')})`
          : `input tensor "${feature.name}" is missing (${featureDatatype(feature, inputDtype(manifest, feature.name))}, shape [N])`,
        'inputs',
        'missing_input',
      );
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

/** The dtype of the tensor an imported model takes a feature in. */
function inputDtype(manifest: Manifest, feature: string): TensorDtype | undefined {
  if (!('inputs' in manifest.encoding)) return undefined;
  return manifest.encoding.inputs.find((i) => i.columns.some((c) => c.feature === feature))?.dtype;
}

function outputsOf(result: PredictResult, requested: V2InferRequest['outputs']) {
  const { manifest } = result;
  const n = result.predictions.length;
  const all =
    manifest.task === 'regression'
      ? [
          {
            name: 'value',
            datatype: 'FP32' as const,
            shape: [n],
            data: result.predictions.map((p) => ('value' in p ? p.value : Number.NaN)),
          },
        ]
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
  // Checked against the manifest before the model ran (checkRequestedOutputs).
  return requested.map((r) => all.find((o) => o.name === r.name)!);
}

/** A 400 for a requested output the model does not have, before anything runs or is logged. */
function checkRequestedOutputs(manifest: Manifest, requested: V2InferRequest['outputs']): void {
  if (!requested) return;
  const names = outputMetadata(manifest).map((o) => o.name);
  requested.forEach((r, i) => {
    if (!names.includes(r.name))
      throw badInput(`output "${r.name}" does not exist; outputs: ${names.join(', ')}`, `outputs.${i}.name`, 'unknown_output');
  });
}

/** The protocol's error body, `{"error": "<message>"}`, with Vigil's code and field details beside it. */
export const v2ErrorBody: ErrorBodyWriter = ({ code, message, details }) => ({ error: message, code, details });

/**
 * Middleware for everything under /v2, mounted ahead of the app's own (so even a request refused before any route,
 * for an unusable x-request-id, and an unknown /v2 path get it): errors are written in the protocol's shape.
 */
export const v2ErrorShape: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('errorBody', v2ErrorBody);
  await next();
};

/** Readiness of a model that has no deployment, any other error passed on. */
function undeployedAs(answer: boolean): (error: unknown) => boolean {
  return (error) => {
    if (error instanceof NoDeploymentError) return answer;
    throw error;
  };
}

export function oipV2Routes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => c.json({ name: 'vigil', version: VIGIL_VERSION, extensions: [] }));
  app.get('/health/live', (c) => c.json({ live: true }));
  app.get('/health/ready', async (c) => {
    const service = c.get('services').predictions;
    const models = await service.models();
    // The server is ready when every model it serves is; a model with no deployment serves nothing.
    const ready = (await Promise.all(models.map((m) => service.ready(m).catch(undeployedAs(true))))).every(Boolean);
    return c.json({ ready }, ready ? 200 : 400);
  });

  const metadata = async (c: Context<AppEnv>) => {
    const { name, versions, version, manifest, engine } = await c
      .get('services')
      .predictions.describe(c.req.param('model')!, c.req.param('version'));
    const inputs = v2Inputs(manifest);
    const features = inputs.some((i) => i.features.length > 1)
      ? { features: inputs.flatMap((i) => i.features.map((f) => ({ name: f.name, datatype: i.datatype }))) }
      : {};
    return c.json({
      name,
      versions,
      platform: 'onnxruntime_onnx',
      inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
      outputs: outputMetadata(manifest),
      // The version described (the primary unless one is named) and what evaluates it.
      parameters: { version, engine, ...features },
    });
  };
  app.get('/models/:model', metadata);
  app.get('/models/:model/versions/:version', metadata);

  const ready = async (c: Context<AppEnv>) => {
    const model = c.req.param('model')!;
    const version = c.req.param('version');
    // A known model with no deployment is not ready (a pinned version still says whether it could serve).
    const isReady = await c.get('services').predictions.ready(model, version).catch(undeployedAs(false));
    return c.json({ name: model, ready: isReady }, isReady ? 200 : 400);
  };
  app.get('/models/:model/ready', ready);
  app.get('/models/:model/versions/:version/ready', ready);

  const infer = async (c: Context<AppEnv>) => {
    const service = c.get('services').predictions;
    const model = c.req.param('model')!;
    const version = c.req.param('version');
    const body = parseBody(V2InferRequestSchema, await readJsonBody(c.req.raw));
    const background = backgroundOf(c);
    // Resolve, then read the tensors with the serving version's manifest in hand, then predict.
    const resolved = await service.resolve(
      model,
      {
        ...(version !== undefined ? { version } : {}),
        routingKey: c.req.header('x-routing-key'),
        instanceCount: body.inputs[0]?.shape[0] ?? 1,
      },
      background,
    );
    checkRequestedOutputs(resolved.manifest, body.outputs);
    const instances = instancesFromTensors(resolved.manifest, body);
    const result = await service.run(resolved, { instances, requestId: c.get('requestId') }, background);
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
