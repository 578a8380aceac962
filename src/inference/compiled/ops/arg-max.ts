/**
 * ai.onnx ArgMax over one axis: the first maximum (or the last with select_last_index), int64 indices, the
 * reduced axis kept as 1 unless keepdims = 0.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import type { Dim } from '../shape-inference.ts';
import { normalizeAxis, numberAt, sizeOf } from '../tensor-util.ts';

export const compileArgMax: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'string' || input.dtype === 'bool') return refuse(node, `reads ${input.dtype} input`);
  const axisAttr = node.int('axis', 0);
  const keepDims = node.int('keepdims', 1) !== 0;
  const last = node.opset >= 12 && node.int('select_last_index', 0) !== 0;
  let dims: Dim[] | undefined;
  if (input.dims) {
    const axis = normalizeAxis(axisAttr, input.dims.length);
    if (axis === undefined) return refuse(node, `has axis ${axisAttr} for rank ${input.dims.length}`);
    dims = keepDims ? input.dims.map((d, i) => (i === axis ? 1 : d)) : input.dims.filter((_, i) => i !== axis);
  }
  return {
    ok: true,
    outputs: [{ dtype: 'int64', ...(dims ? { dims } : {}) }],
    run: ([x]) => {
      const xd = x!.dims;
      const axis = normalizeAxis(axisAttr, xd.length);
      if (axis === undefined) throw new KernelRunError(node, `has axis ${axisAttr} for rank ${xd.length}`);
      const outer = sizeOf(xd.slice(0, axis));
      const count = xd[axis]!;
      const inner = sizeOf(xd.slice(axis + 1));
      if (count === 0) throw new KernelRunError(node, 'reduces an empty axis');
      const out = new BigInt64Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * count * inner + i;
          let best = 0;
          let bestValue = numberAt(x!, base);
          for (let c = 1; c < count; c++) {
            const v = numberAt(x!, base + c * inner);
            if (last ? v >= bestValue : v > bestValue) {
              best = c;
              bestValue = v;
            }
          }
          out[o * inner + i] = BigInt(best);
        }
      }
      const outDims = keepDims ? xd.map((d, i) => (i === axis ? 1 : d)) : xd.filter((_, i) => i !== axis);
      return [{ dtype: 'int64', data: out, dims: outDims }];
    },
  };
};
