/**
 * Runs rows through a compiled graph synchronously, one output tensor at a time, in batches of the graph's fixed
 * batch size when it has one (the last batch padded with copies of its last row, whose outputs are dropped), as
 * `runRows` does for serving.
 *
 * @example
 * const run = batchRunner(session, encoder, 'probabilities', manifest.encoding);
 * const { values, width } = run(rows); // Float64Array of rows × width
 */
import type { CompiledSession } from '../inference/compiled/compiled-session.ts';
import type { CompiledTensorEncoder } from '../model/encoding.ts';
import type { Row } from '../model/instance-validator.ts';
import type { Encoding } from '../model/manifest.ts';
import type { OutputTensor, Tensor } from '../model/tensor.ts';

export interface BatchOutput {
  /** The tensor as it came out (its element type, for the comparisons trees make). */
  readonly tensor: Tensor;
  readonly rows: number;
  /** Values per row. */
  readonly width: number;
}

export type BatchRunner = (rows: readonly Row[]) => BatchOutput;

export function batchRunner(session: CompiledSession, encoder: CompiledTensorEncoder, output: string, encoding: Encoding): BatchRunner {
  const size = 'inputs' in encoding ? encoding.batch_size : undefined;
  const runOnce = (rows: readonly Row[]): OutputTensor => session.runSync(encoder.encode(rows), [output])[output]!;
  return (rows) => {
    if (rows.length === 0) throw new Error('no rows to run');
    if (size === undefined || rows.length === size) return asOutput(runOnce(rows), rows.length);
    const parts: OutputTensor[] = [];
    for (let start = 0; start < rows.length; start += size) {
      const chunk = rows.slice(start, start + size);
      const real = chunk.length;
      while (chunk.length < size) chunk.push(chunk[real - 1]!);
      const out = runOnce(chunk);
      const perRow = out.data.length / size;
      parts.push({ type: out.type, data: (out.data as Float32Array).slice(0, real * perRow), dims: [real, ...out.dims.slice(1)] });
    }
    return asOutput(joinRows(parts), rows.length);
  };
}

function asOutput(out: OutputTensor, rows: number): BatchOutput {
  const width = rows === 0 ? 0 : out.data.length / rows;
  if (!Number.isInteger(width)) throw new Error(`${out.data.length} output values for ${rows} rows`);
  return { tensor: { dtype: out.type as Tensor['dtype'], data: out.data as Tensor['data'], dims: [rows, width] }, rows, width };
}

function joinRows(parts: readonly OutputTensor[]): OutputTensor {
  const first = parts[0]!;
  const length = parts.reduce((n, p) => n + p.data.length, 0);
  const Ctor = (first.data as Float32Array).constructor as new (n: number) => Float32Array;
  const data = new Ctor(length);
  let at = 0;
  for (const p of parts) {
    data.set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { type: first.type, data, dims: [length] };
}

/** A numeric tensor's values as float64 numbers (int64 converted), for arithmetic over outputs. */
export function numbers(tensor: Tensor): Float64Array {
  switch (tensor.dtype) {
    case 'float32':
    case 'float64':
    case 'int32':
    case 'bool':
      return Float64Array.from(tensor.data as ArrayLike<number>);
    case 'int64':
      return Float64Array.from(tensor.data as BigInt64Array, Number);
    case 'string':
      throw new Error('a string tensor has no numbers');
  }
}
