/**
 * ai.onnx Gemm (float32): Y = alpha·A'·B' + beta·C with transA/transB, C broadcast from a scalar, [N], [1, N],
 * [M, 1] or [M, N], computed with MLAS's SGEMM order (see sgemm.ts). A constant B is laid out once at compile
 * time.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { columnsOf, sgemm, sgemv } from '../sgemm.ts';

export const compileGemm: KernelCompiler = (node, inputs) => {
  const [a, b, c] = inputs;
  if (!a || !b) return refuse(node, 'needs inputs A and B');
  if (node.opset < 7) return refuse(node, `is opset ${node.opset} (Gemm is supported from opset 7)`);
  for (const t of [a, b, c]) if (t && t.dtype !== 'float32') return refuse(node, `computes in ${t.dtype} (only float32 is supported)`);
  if ((a.dims && a.dims.length !== 2) || (b.dims && b.dims.length !== 2)) return refuse(node, 'takes 2-D A and B');
  const alpha = Math.fround(node.float('alpha', 1));
  const beta = Math.fround(node.float('beta', 1));
  const transA = node.int('transA', 0) !== 0;
  const transB = node.int('transB', 0) !== 0;
  const bConstant = b.constant?.dims.length === 2 ? b.constant : undefined;
  const bColumnsConstant = bConstant
    ? columnsOf(
        bConstant.data as Float32Array,
        transB ? bConstant.dims[1]! : bConstant.dims[0]!,
        transB ? bConstant.dims[0]! : bConstant.dims[1]!,
        transB,
      )
    : undefined;
  const m = a.dims ? a.dims[transA ? 1 : 0]! : null;
  const n = b.dims ? b.dims[transB ? 0 : 1]! : null;
  const outputDims = a.dims && b.dims ? [m, n] : undefined;

  return {
    ok: true,
    outputs: [{ dtype: 'float32', ...(outputDims ? { dims: outputDims } : {}) }],
    run: ([x, y, bias]) => {
      const [rowsA, colsA] = x!.dims as [number, number];
      const [rowsB, colsB] = y!.dims as [number, number];
      if (x!.dims.length !== 2 || y!.dims.length !== 2) throw new KernelRunError(node, 'takes 2-D A and B');
      const M = transA ? colsA : rowsA;
      const K = transA ? rowsA : colsA;
      const KB = transB ? colsB : rowsB;
      const N = transB ? rowsB : colsB;
      if (K !== KB) throw new KernelRunError(node, `cannot multiply [${x!.dims.join(', ')}] by [${y!.dims.join(', ')}]`);
      const out = new Float32Array(M * N);
      const hasBias = bias !== undefined && beta !== 0;
      if (hasBias) {
        const cd = bias.data as Float32Array;
        const cdims = bias.dims;
        const size = cd.length;
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let v: number | undefined;
            if (size === 1) v = cd[0];
            else if (cdims.length === 1 || cdims[0] === 1) v = cdims[cdims.length - 1] === N ? cd[j] : undefined;
            else if (cdims[1] === 1) v = cdims[0] === M ? cd[i] : undefined;
            else v = cdims[0] === M && cdims[1] === N ? cd[i * N + j] : undefined;
            if (v === undefined) throw new KernelRunError(node, `cannot broadcast C [${cdims.join(', ')}] to [${M}, ${N}]`);
            out[i * N + j] = v;
          }
        }
      }
      if (y === bConstant) {
        sgemm({ m: M, n: N, k: K, transA }, alpha, x!.data as Float32Array, bColumnsConstant!, beta, out, hasBias);
      } else if (M === 1 && !transA && !transB && alpha === 1 && (!hasBias || beta === 1)) {
        // ORT packs a constant B once; a B fed at run time with one row of A goes through MLAS's GEMV kernel.
        sgemv(x!.data as Float32Array, y!.data as Float32Array, K, N, out, !hasBias);
      } else {
        sgemm(
          { m: M, n: N, k: K, transA },
          alpha,
          x!.data as Float32Array,
          columnsOf(y!.data as Float32Array, K, N, transB),
          beta,
          out,
          hasBias,
        );
      }
      return [{ dtype: 'float32', data: out, dims: [M, N] }];
    },
  };
};
