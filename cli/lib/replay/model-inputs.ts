/**
 * What the replay needs to know of a model, read from its Open Inference Protocol metadata
 * (`GET /v2/models/{model}`): each feature's kind (FP32/INT64 numbers, BYTES strings, BOOL booleans) — the
 * inputs', or `parameters.features` when an input holds several — and the task, from the outputs (`value`
 * for regression, `probabilities` [N, K] for classification).
 */
import type { V2ModelMetadata } from '../api-types.ts';

export type InputKind = 'number' | 'integer' | 'string' | 'boolean';

export interface ModelInput {
  name: string;
  kind: InputKind;
}

export type ReplayTask = 'regression' | 'binary_classification' | 'multiclass_classification';

const INTEGER_DATATYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);
const FLOAT_DATATYPES = new Set(['FP16', 'FP32', 'FP64']);

export function inputKind(datatype: string): InputKind | undefined {
  if (FLOAT_DATATYPES.has(datatype)) return 'number';
  if (INTEGER_DATATYPES.has(datatype)) return 'integer';
  if (datatype === 'BYTES') return 'string';
  if (datatype === 'BOOL') return 'boolean';
  return undefined;
}

export type ModelInputsResult = { ok: true; inputs: ModelInput[]; task: ReplayTask } | { ok: false; message: string };

/** What the replay reads of a model's V2 metadata (a V2ModelMetadata is one). */
export interface ReplayMetadata {
  name: string;
  inputs: Pick<V2ModelMetadata['inputs'][number], 'name' | 'datatype'>[];
  outputs: (Pick<V2ModelMetadata['outputs'][number], 'name' | 'datatype'> & { shape?: number[] })[];
  parameters?: { features?: V2ModelMetadata['parameters']['features'] };
}

export function modelInputs(metadata: ReplayMetadata): ModelInputsResult {
  const inputs: ModelInput[] = [];
  // A matrix input holds several features; the replay fills each from its own CSV column.
  for (const input of metadata.parameters?.features ?? metadata.inputs ?? []) {
    const kind = inputKind(input.datatype);
    if (!kind)
      return { ok: false, message: `input "${input.name}" has datatype ${input.datatype}, which the replay cannot fill from a CSV` };
    inputs.push({ name: input.name, kind });
  }
  if (inputs.length === 0) return { ok: false, message: `model "${metadata.name}" lists no inputs` };
  const outputs = metadata.outputs ?? [];
  const probabilities = outputs.find((o) => o.name === 'probabilities');
  let task: ReplayTask;
  if (outputs.some((o) => o.name === 'value')) task = 'regression';
  else if (probabilities) task = probabilities.shape?.[1] === 2 ? 'binary_classification' : 'multiclass_classification';
  else
    return {
      ok: false,
      message:
        `model "${metadata.name}" has outputs ${outputs.map((o) => o.name).join(', ')}; ` +
        'expected "value" or "label" and "probabilities"',
    };
  return { ok: true, inputs, task };
}
