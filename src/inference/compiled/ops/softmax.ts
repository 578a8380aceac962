/**
 * ai.onnx Softmax on float32 with MLAS's softmax (polynomial exp, lane-wise sums, multiply by 1/sum). Before
 * opset 13 the input is coerced to 2-D at `axis` (default 1) and each row of everything after it is one
 * softmax; from opset 13 the softmax runs along `axis` alone (default −1).
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { mlasSoftmaxRow } from '../mlas.ts';
import { normalizeAxis, sizeOf } from '../tensor-util.ts';

export const compileSoftmax: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype !== 'float32') return refuse(node, `computes Softmax on ${input.dtype} (only float32 is supported)`);
  const coerce2d = node.opset < 13;
  const axisAttr = node.int('axis', coerce2d ? 1 : -1);
  if (input.dims && normalizeAxis(axisAttr, input.dims.length) === undefined)
    return refuse(node, `has axis ${axisAttr} for rank ${input.dims.length}`);
  return {
    ok: true,
    outputs: [{ dtype: 'float32', ...(input.dims ? { dims: input.dims } : {}) }],
    run: ([x]) => {
      const dims = x!.dims;
      const axis = normalizeAxis(axisAttr, dims.length);
      if (axis === undefined) throw new KernelRunError(node, `has axis ${axisAttr} for rank ${dims.length}`);
      const data = x!.data as Float32Array;
      const out = new Float32Array(data.length);
      if (coerce2d) {
        const rows = sizeOf(dims.slice(0, axis));
        const width = sizeOf(dims.slice(axis));
        for (let r = 0; r < rows; r++) mlasSoftmaxRow(data, r * width, 1, width, out, r * width);
      } else {
        const outer = sizeOf(dims.slice(0, axis));
        const count = dims[axis]!;
        const inner = sizeOf(dims.slice(axis + 1));
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) mlasSoftmaxRow(data, o * count * inner + i, inner, count, out, o * count * inner + i);
      }
      return [{ dtype: 'float32', data: out, dims }];
    },
  };
};
