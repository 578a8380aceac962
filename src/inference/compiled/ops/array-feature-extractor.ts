/**
 * ai.onnx.ml ArrayFeatureExtractor as ONNX Runtime computes it: picks the indexed entries of the last axis;
 * a 1-D input gives [1, num_indices].
 */
import type { Tensor } from '../../../model/tensor.ts';
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { allocate } from '../tensor-util.ts';

export const compileArrayFeatureExtractor: KernelCompiler = (node, inputs) => {
  const [input, indices] = inputs;
  if (!input || !indices) return refuse(node, 'needs two inputs');
  if (input.dtype === 'bool') return refuse(node, 'reads bool input');
  if (indices.dtype !== 'int64') return refuse(node, `takes ${indices.dtype} indices (ONNX Runtime takes int64)`);
  // ONNX infers [...X dims but the last, the last dim of the indices]; nothing for a 1-D X.
  const dims =
    input.dims && input.dims.length > 1 && indices.dims && indices.dims.length > 0
      ? [...input.dims.slice(0, -1), indices.dims[indices.dims.length - 1]!]
      : undefined;
  return {
    ok: true,
    outputs: [{ dtype: input.dtype, ...(dims ? { dims } : {}) }],
    run: ([x, y]) => {
      const rank = x!.dims.length;
      if (rank === 0) throw new KernelRunError(node, 'takes a tensor with at least one dimension');
      const stride = x!.dims[rank - 1]!;
      const picks = y!.data as BigInt64Array;
      const n = picks.length;
      if (n === 0) throw new KernelRunError(node, 'has no indices');
      const at = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        if (picks[j]! >= BigInt(stride) || picks[j]! < 0n)
          throw new KernelRunError(node, `index ${picks[j]} is out of range for ${stride} columns`);
        at[j] = Number(picks[j]!);
      }
      const rows = x!.data.length / Math.max(stride, 1);
      const out = allocate(x!.dtype, rows * n) as unknown[];
      const data = x!.data as ArrayLike<unknown>;
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[r * n + j] = data[r * stride + at[j]!];
      const outDims = rank === 1 ? [1, n] : [...x!.dims.slice(0, -1), n];
      return [{ dtype: x!.dtype, data: out as Tensor['data'], dims: outDims }];
    },
  };
};
