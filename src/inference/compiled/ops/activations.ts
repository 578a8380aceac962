/**
 * ai.onnx Relu, Sigmoid and Tanh on float32 as ONNX Runtime computes them: Relu is max(x, 0) keeping NaN and
 * −0, Sigmoid and Tanh are MLAS's rational approximations (not Math.exp / Math.tanh).
 */
import { refuse, type KernelCompiler } from '../kernel.ts';
import { mlasLogistic, mlasTanh } from '../mlas.ts';

function unary(name: string, fn: (x: number) => number, allowDouble: boolean): KernelCompiler {
  return (node, inputs) => {
    const input = inputs[0];
    if (!input) return refuse(node, 'has no input');
    if (input.dtype !== 'float32' && !(allowDouble && input.dtype === 'float64'))
      return refuse(node, `computes ${name} on ${input.dtype} (only float32 is supported)`);
    return {
      ok: true,
      outputs: [{ dtype: input.dtype, ...(input.dims ? { dims: input.dims } : {}) }],
      run: ([x]) => {
        const data = x!.data as Float32Array | Float64Array;
        const out = x!.dtype === 'float32' ? new Float32Array(data.length) : new Float64Array(data.length);
        for (let i = 0; i < data.length; i++) out[i] = fn(data[i]!);
        return [{ dtype: x!.dtype, data: out, dims: x!.dims }];
      },
    };
  };
}

export const compileRelu = unary('Relu', (x) => (x < 0 ? 0 : x), true);
export const compileSigmoid = unary('Sigmoid', mlasLogistic, false);
export const compileTanh = unary('Tanh', mlasTanh, false);
