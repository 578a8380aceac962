/**
 * Small tensor helpers shared by the kernels: sizes, allocation per dtype, float conversions as C++ casts make
 * them, and numpy broadcasting.
 */
import type { Tensor, TensorData, TensorDtype } from '../../model/tensor.ts';

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function allocate(dtype: TensorDtype, size: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    case 'string':
      return new Array<string>(size).fill('');
  }
}

const TWO_POW_53 = 2n ** 53n;

/** static_cast<float>(int64_t): round to nearest float32, ties to even, without double rounding. */
export function int64ToFloat32(v: bigint): number {
  if (v <= TWO_POW_53 && v >= -TWO_POW_53) return Math.fround(Number(v));
  const d = Math.fround(Number(v));
  // Number() rounded once already; pick the float32 nearest to the exact value among d and its neighbours.
  const candidates = [d, nextFloat32(d, -1), nextFloat32(d, 1)].filter((c) => Number.isFinite(c));
  let best = d;
  let bestError = -1n;
  for (const c of candidates) {
    const error = BigInt(c) > v ? BigInt(c) - v : v - BigInt(c);
    if (bestError < 0n || error < bestError || (error === bestError && isEvenFloat32(c))) {
      best = c;
      bestError = error;
    }
  }
  return best;
}

function nextFloat32(x: number, direction: 1 | -1): number {
  const bits = new Float32Array([x]);
  const ints = new Int32Array(bits.buffer);
  ints[0] = ints[0]! + (x > 0 ? direction : -direction);
  return bits[0]!;
}

function isEvenFloat32(x: number): boolean {
  return (new Int32Array(new Float32Array([x]).buffer)[0]! & 1) === 0;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** static_cast<int64_t>(float) as WebAssembly's saturating truncation computes it (NaN → 0). */
export function floatToInt64(x: number): bigint {
  if (x !== x) return 0n;
  // 2^63 is the double nearest INT64_MAX (what the C++ compares with); -2^63 is INT64_MIN exactly.
  if (x >= 2 ** 63) return INT64_MAX;
  if (x <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(x));
}

/** static_cast<int32_t>(float), saturating like WebAssembly's trunc_sat. */
export function floatToInt32(x: number): number {
  if (x !== x) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x);
}

/** Reads any numeric tensor element as a JavaScript number (int64 exactly up to 2^53). */
export function numberAt(t: Tensor, i: number): number {
  const v = t.data[i];
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** Output dims of numpy broadcasting, or undefined when the shapes do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each output element of a broadcast, the index of the input element it reads. */
export function broadcastIndex(inputDims: readonly number[], outputDims: readonly number[]): Int32Array {
  const size = sizeOf(outputDims);
  const rank = outputDims.length;
  const offset = rank - inputDims.length;
  const strides: number[] = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = inputDims.length - 1; i >= 0; i--) {
    strides[offset + i] = inputDims[i] === 1 ? 0 : stride;
    stride *= inputDims[i]!;
  }
  const index = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let at = 0;
  for (let n = 0; n < size; n++) {
    index[n] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      at += strides[d]!;
      if (counter[d]! < outputDims[d]!) break;
      at -= strides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}

/** Resolves a possibly negative axis against a rank; undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
