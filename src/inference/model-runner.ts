/**
 * Runs a model version on validated rows: encode into the graph's input tensors, run the session (in batches
 * of the graph's fixed batch size when it has one), decode the outputs. The one path serving, the QA gate,
 * training and packaging share, so a golden example is computed exactly as a request is served.
 *
 * @example
 * const compiled = compileModel(manifest);
 * const predictions = await predictRows(session, compiled, rows);
 */
import { compileDecoder, type CompiledDecoder, type DecoderManifest, type Prediction } from '../model/decode.ts';
import { compileTensorEncoder, type CompiledTensorEncoder } from '../model/encoding.ts';
import type { Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';
import type { OutputTensor } from '../model/tensor.ts';
import type { ModelSession } from './model-runtime.ts';

export interface CompiledModel {
  readonly encoder: CompiledTensorEncoder;
  readonly decoder: CompiledDecoder;
  /** The graph's fixed batch size, if it has one. */
  readonly batchSize?: number;
}

/** What a model run needs of the manifest: features, encoding and output (not statistics or goldens). */
export type RunnableManifest = DecoderManifest & Pick<Manifest, 'encoding'> & { features: readonly { name: string }[] };

export function compileModel(manifest: RunnableManifest): CompiledModel {
  const batchSize = 'inputs' in manifest.encoding ? manifest.encoding.batch_size : undefined;
  return { encoder: compileTensorEncoder(manifest), decoder: compileDecoder(manifest), ...(batchSize ? { batchSize } : {}) };
}

/** The raw output tensors for `rows`: those the decoder reads, or `names`. */
export async function runRows(
  session: ModelSession,
  model: CompiledModel,
  rows: readonly Row[],
  names: readonly string[] = model.decoder.outputNames,
): Promise<Record<string, OutputTensor>> {
  const size = model.batchSize;
  if (size === undefined || rows.length === size) return session.run(model.encoder.encode(rows), names);
  const parts: Record<string, OutputTensor>[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const chunk = rows.slice(start, start + size);
    const real = chunk.length;
    // The last batch is padded with copies of its last row; their outputs are dropped.
    while (chunk.length < size) chunk.push(chunk[real - 1]!);
    parts.push(trimRows(await session.run(model.encoder.encode(chunk), names), size, real));
  }
  return concatRows(parts, names);
}

/** Encodes, runs and decodes; throws OutputDecodeError when the outputs are not what the manifest describes. */
export async function predictRows(session: ModelSession, model: CompiledModel, rows: readonly Row[]): Promise<Prediction[]> {
  return model.decoder.decode(await runRows(session, model, rows), rows.length);
}

type Sliceable = { length: number; slice(start: number, end: number): unknown };

function trimRows(outputs: Record<string, OutputTensor>, size: number, keep: number): Record<string, OutputTensor> {
  if (keep === size) return outputs;
  const trimmed: Record<string, OutputTensor> = {};
  for (const [name, t] of Object.entries(outputs)) {
    const perRow = t.data.length / size;
    trimmed[name] = {
      type: t.type,
      data: (t.data as Sliceable).slice(0, keep * perRow) as OutputTensor['data'],
      dims: [keep, ...t.dims.slice(1)],
    };
  }
  return trimmed;
}

function concatRows(parts: readonly Record<string, OutputTensor>[], names: readonly string[]): Record<string, OutputTensor> {
  const out: Record<string, OutputTensor> = {};
  for (const name of names) {
    const pieces = parts.map((p) => p[name]!);
    const first = pieces[0]!;
    const length = pieces.reduce((n, p) => n + p.data.length, 0);
    let data: OutputTensor['data'];
    if (Array.isArray(first.data)) data = pieces.flatMap((p) => p.data as unknown[]);
    else {
      const Ctor = (first.data as Float32Array).constructor as new (n: number) => Float32Array;
      const joined = new Ctor(length);
      let at = 0;
      for (const p of pieces) {
        joined.set(p.data as Float32Array, at);
        at += p.data.length;
      }
      data = joined;
    }
    out[name] = { type: first.type, data, dims: [pieces.reduce((n, p) => n + (p.dims[0] ?? 0), 0), ...first.dims.slice(1)] };
  }
  return out;
}
