/**
 * ai.onnx Add, Sub, Mul and Div with numpy broadcasting, for float32 (each result rounded to float32), float64,
 * int32 and int64 (wrapping like C++, integer division truncating toward zero).
 */
import type { Tensor, TensorData } from '../../../model/tensor.ts';
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { broadcastShapes } from '../shape-inference.ts';
import { broadcastDims, broadcastIndex, sizeOf } from '../tensor-util.ts';

type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div';

const FLOAT_OPS: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};

const INT32_OPS: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  Add: (a, b) => (a + b) | 0,
  Sub: (a, b) => (a - b) | 0,
  Mul: (a, b) => Math.imul(a, b),
  Div: (a, b) => (b === 0 ? 0 : (a / b) | 0),
};

const INT64_OPS: Readonly<Record<BinaryOp, (a: bigint, b: bigint) => bigint>> = {
  Add: (a, b) => BigInt.asIntN(64, a + b),
  Sub: (a, b) => BigInt.asIntN(64, a - b),
  Mul: (a, b) => BigInt.asIntN(64, a * b),
  Div: (a, b) => (b === 0n ? 0n : BigInt.asIntN(64, a / b)),
};

/**
 * How an operand's elements map to the output's: the same index, always 0 (a scalar), repeating (the operand
 * is the output's trailing dims), or a precomputed table (any other broadcast).
 */
type Reader = { kind: 'same' } | { kind: 'scalar' } | { kind: 'repeat'; size: number } | { kind: 'table'; index: Int32Array };

function readerFor(dims: readonly number[], outputDims: readonly number[], outputSize: number): Reader {
  const size = sizeOf(dims);
  if (size === outputSize) return { kind: 'same' };
  if (size === 1) return { kind: 'scalar' };
  const trimmed = dims.slice(dims.findIndex((d) => d !== 1));
  const tail = outputDims.slice(outputDims.length - trimmed.length);
  if (trimmed.every((d, i) => d === tail[i])) return { kind: 'repeat', size };
  return { kind: 'table', index: broadcastIndex(dims, outputDims) };
}

function at(reader: Reader, i: number): number {
  switch (reader.kind) {
    case 'same':
      return i;
    case 'scalar':
      return 0;
    case 'repeat':
      return i % reader.size;
    case 'table':
      return reader.index[i]!;
  }
}

function compute(op: BinaryOp, x: Tensor, y: Tensor, dims: readonly number[]): TensorData {
  const size = sizeOf(dims);
  const rx = readerFor(x.dims, dims, size);
  const ry = readerFor(y.dims, dims, size);
  switch (x.dtype) {
    case 'float32':
    case 'float64': {
      const fn = FLOAT_OPS[op];
      const a = x.data as Float32Array | Float64Array;
      const b = y.data as Float32Array | Float64Array;
      // Float32Array stores round each result to float32, as ONNX Runtime's float kernels do.
      const out = x.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = fn(a[at(rx, i)]!, b[at(ry, i)]!);
      return out;
    }
    case 'int32': {
      const fn = INT32_OPS[op];
      const a = x.data as Int32Array;
      const b = y.data as Int32Array;
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = fn(a[at(rx, i)]!, b[at(ry, i)]!);
      return out;
    }
    case 'int64': {
      const fn = INT64_OPS[op];
      const a = x.data as BigInt64Array;
      const b = y.data as BigInt64Array;
      const out = new BigInt64Array(size);
      for (let i = 0; i < size; i++) out[i] = fn(a[at(rx, i)]!, b[at(ry, i)]!);
      return out;
    }
    default:
      throw new Error(`${op} does not compute ${x.dtype}`);
  }
}

export function binaryKernel(op: BinaryOp): KernelCompiler {
  return (node, inputs) => {
    const [a, b] = inputs;
    if (!a || !b) return refuse(node, 'needs two inputs');
    if (a.dtype !== b.dtype) return refuse(node, `combines ${a.dtype} with ${b.dtype}`);
    if (a.dtype === 'string' || a.dtype === 'bool') return refuse(node, `computes on ${a.dtype}`);
    if (op === 'Div' && (a.dtype === 'int32' || a.dtype === 'int64')) {
      const divisor = b.constant;
      if (!divisor || Array.from(divisor.data as ArrayLike<number | bigint>).some((v) => v === 0 || v === 0n))
        return refuse(node, 'divides integers by a divisor that may be zero');
    }
    const dims = a.dims && b.dims ? broadcastShapes(a.dims, b.dims) : undefined;
    return {
      ok: true,
      outputs: [{ dtype: a.dtype, ...(dims ? { dims } : {}) }],
      run: ([x, y]) => {
        const outDims = broadcastDims(x!.dims, y!.dims);
        if (!outDims) throw new KernelRunError(node, `cannot broadcast [${x!.dims.join(', ')}] with [${y!.dims.join(', ')}]`);
        return [{ dtype: x!.dtype, data: compute(op, x!, y!, outDims), dims: outDims }];
      },
    };
  };
}
