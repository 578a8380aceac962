/**
 * Single-precision GEMM with MLAS's arithmetic (no FMA in ONNX Runtime's WASM build): each output element
 * accumulates its products in k order from zero within slices of `sgemmStrideK` columns, each slice is scaled
 * by alpha and added to C (C being the broadcast bias times beta, or nothing when there is no bias).
 */
import { sgemmStrideK } from './mlas.ts';

const f = Math.fround;

export interface SgemmShape {
  /** Rows of the output (batch rows). */
  m: number;
  /** Columns of the output. */
  n: number;
  /** Shared dimension. */
  k: number;
  transA: boolean;
}

/**
 * Computes C = alpha·A·B + beta·C for row-major A [m, k] (or [k, m] when transA) and B given as `bColumns`:
 * for each output column j, its k coefficients contiguous at j·k. `c` holds the broadcast bias when `hasBias`.
 */
export function sgemm(
  shape: SgemmShape,
  alpha: number,
  a: Float32Array,
  bColumns: Float32Array,
  beta: number,
  c: Float32Array,
  hasBias: boolean,
): void {
  const { m, n, k, transA } = shape;
  const strideK = sgemmStrideK(n, k, transA);
  const zeroMode = !hasBias || beta === 0;
  const scaleC = !zeroMode && beta !== 1;
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  for (let i = 0; i < m; i++) {
    const aRow = i * aRowStride;
    for (let j = 0; j < n; j++) {
      const bCol = j * k;
      let out = zeroMode ? 0 : scaleC ? f(c[i * n + j]! * beta) : c[i * n + j]!;
      for (let k0 = 0; k0 < k; k0 += strideK) {
        const end = Math.min(k, k0 + strideK);
        let acc = 0;
        for (let p = k0; p < end; p++) acc = f(f(bColumns[bCol + p]! * a[aRow + p * aColStride]!) + acc);
        acc = f(acc * alpha);
        out = zeroMode && k0 === 0 ? acc : f(acc + out);
      }
      c[i * n + j] = out;
    }
  }
}

/**
 * MLAS's GEMV kernel for one row of A times a row-major B [k, n] (ONNX Runtime's Gemm with M = 1, alpha = 1,
 * B not transposed nor prepacked): columns in groups of four accumulate one product at a time; the remaining
 * columns add four products summed among themselves. `zeroMode` starts from the first product instead of C.
 */
export function sgemv(a: Float32Array, b: Float32Array, k: number, n: number, c: Float32Array, zeroMode: boolean): void {
  const vectorColumns = n - (n % 4);
  let p = 0;
  if (zeroMode && k > 0) {
    for (let j = 0; j < n; j++) c[j] = f(a[0]! * b[j]!);
    p = 1;
  }
  for (; k - p >= 4; p += 4) {
    const a0 = a[p]!;
    const a1 = a[p + 1]!;
    const a2 = a[p + 2]!;
    const a3 = a[p + 3]!;
    const r0 = p * n;
    for (let j = 0; j < vectorColumns; j++) {
      let acc = c[j]!;
      acc = f(f(a0 * b[r0 + j]!) + acc);
      acc = f(f(a1 * b[r0 + n + j]!) + acc);
      acc = f(f(a2 * b[r0 + 2 * n + j]!) + acc);
      c[j] = f(f(a3 * b[r0 + 3 * n + j]!) + acc);
    }
    for (let j = vectorColumns; j < n; j++) {
      const sum = f(f(f(f(a0 * b[r0 + j]!) + f(a1 * b[r0 + n + j]!)) + f(a2 * b[r0 + 2 * n + j]!)) + f(a3 * b[r0 + 3 * n + j]!));
      c[j] = f(c[j]! + sum);
    }
  }
  for (; p < k; p++) for (let j = 0; j < n; j++) c[j] = f(f(a[p]! * b[p * n + j]!) + c[j]!);
}

/** B as `sgemm` wants it (columns contiguous) from row-major B [k, n], or [n, k] when transposed. */
export function columnsOf(b: Float32Array, k: number, n: number, transB: boolean): Float32Array {
  if (transB) return b;
  const out = new Float32Array(k * n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[j * k + p] = b[p * n + j]!;
  return out;
}
