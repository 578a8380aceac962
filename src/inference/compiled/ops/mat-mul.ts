/**
 * ai.onnx MatMul (float32) of 2-D matrices, [N, k]·[k, m], with MLAS's SGEMM order (see sgemm.ts). A constant
 * right-hand side is laid out once at compile time.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { columnsOf, sgemm } from '../sgemm.ts';

export const compileMatMul: KernelCompiler = (node, inputs) => {
  const [a, b] = inputs;
  if (!a || !b) return refuse(node, 'needs two inputs');
  if (a.dtype !== 'float32' || b.dtype !== 'float32')
    return refuse(node, `multiplies ${a.dtype} by ${b.dtype} (only float32 is supported)`);
  if ((a.dims && a.dims.length !== 2) || (b.dims && b.dims.length !== 2))
    return refuse(node, 'multiplies tensors that are not 2-D matrices (only 2-D MatMul is supported)');
  const bConstant = b.constant;
  const bColumnsConstant = bConstant ? columnsOf(bConstant.data as Float32Array, bConstant.dims[0]!, bConstant.dims[1]!, false) : undefined;

  return {
    ok: true,
    outputs: [{ dtype: 'float32', ...(a.dims && b.dims ? { dims: [a.dims[0]!, b.dims[1]!] } : {}) }],
    run: ([x, y]) => {
      if (x!.dims.length !== 2 || y!.dims.length !== 2) throw new KernelRunError(node, 'multiplies tensors that are not 2-D matrices');
      const [m, k] = x!.dims as [number, number];
      const [kb, n] = y!.dims as [number, number];
      if (k !== kb) throw new KernelRunError(node, `cannot multiply [${m}, ${k}] by [${kb}, ${n}]`);
      const out = new Float32Array(m * n);
      const columns = bColumnsConstant && y === bConstant ? bColumnsConstant : columnsOf(y!.data as Float32Array, k, n, false);
      sgemm({ m, n, k, transA: false }, 1, x!.data as Float32Array, columns, 0, out, false);
      return [{ dtype: 'float32', data: out, dims: [m, n] }];
    },
  };
};
