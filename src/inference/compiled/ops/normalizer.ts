/**
 * ai.onnx.ml Normalizer as ONNX Runtime computes it along axis 1: MAX divides by the largest value (NaN never
 * wins), L1 by the float32 sum of |x|, L2 takes sqrt(x² / Σx²) with the sign of x; a zero norm leaves the values
 * unchanged. Squares are exact products rounded once to float32 (no integer overflow), sums in float32.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { int64ToFloat32 } from '../tensor-util.ts';

const f = Math.fround;
const FLOAT32_LOWEST = -3.4028234663852886e38;
const NORMS = ['MAX', 'L1', 'L2'] as const;

export const compileNormalizer: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'string' || input.dtype === 'bool') return refuse(node, `reads ${input.dtype} input`);
  const norm = node.string('norm', 'MAX');
  if (!(NORMS as readonly string[]).includes(norm)) return refuse(node, `has norm "${norm}"`);
  return {
    ok: true,
    // ONNX infers no shape for this operator; ONNX Runtime reports the declared one.
    outputs: [{ dtype: 'float32' }],
    run: ([x]) => {
      const dims = x!.dims;
      if (dims.length === 0) throw new KernelRunError(node, 'takes a tensor with at least one dimension');
      const size = x!.data.length;
      const stride = dims.length === 1 ? dims[0]! : dims[1]!;
      const out = new Float32Array(size);
      if (stride === 0) return [{ dtype: 'float32', data: out, dims }];
      const data = x!.data;
      // float(x), |x| as float and x² as float, each computed the way C++ does for the input type.
      const asFloat = (i: number): number => {
        const v = data[i]!;
        return typeof v === 'bigint' ? int64ToFloat32(v) : f(v as number);
      };
      const absFloat = (i: number): number => {
        const v = data[i]!;
        return typeof v === 'bigint' ? int64ToFloat32(v < 0n ? -v : v) : f(Math.abs(v as number));
      };
      // Squares in double, rounded once to float32 (integers do not wrap; float32 inputs square exactly in double).
      const squareFloat = (i: number): number => {
        const v = data[i]!;
        const d = typeof v === 'bigint' ? Number(v) : (v as number);
        return f(d * d);
      };
      const increment = dims.length > 1 ? dims.slice(2).reduce((n, d) => n * d, 1) : 1;
      const loops = size / stride;
      for (let n = 0; n < loops; n++) {
        const start = (n % increment) + Math.floor(n / increment) * stride * increment;
        if (norm === 'MAX') {
          let max = FLOAT32_LOWEST;
          for (let s = 0, i = start; s < stride; s++, i += increment) {
            const v = asFloat(i);
            if (max < v) max = v;
          }
          for (let s = 0, i = start; s < stride; s++, i += increment) out[i] = max !== 0 ? f(asFloat(i) / max) : asFloat(i);
        } else if (norm === 'L1') {
          let sum = 0;
          for (let s = 0, i = start; s < stride; s++, i += increment) sum = f(sum + absFloat(i));
          for (let s = 0, i = start; s < stride; s++, i += increment) out[i] = sum !== 0 ? f(asFloat(i) / sum) : asFloat(i);
        } else {
          let sum = 0;
          for (let s = 0, i = start; s < stride; s++, i += increment) sum = f(sum + squareFloat(i));
          for (let s = 0, i = start; s < stride; s++, i += increment) {
            if (sum === 0) {
              out[i] = asFloat(i);
              continue;
            }
            const root = f(Math.sqrt(f(squareFloat(i) / sum)));
            const v = data[i]!;
            out[i] = (typeof v === 'bigint' ? v < 0n : (v as number) < 0) ? -root : root;
          }
        }
      }
      if (!Number.isInteger(loops)) throw new KernelRunError(node, `cannot split ${size} values into rows of ${stride}`);
      return [{ dtype: 'float32', data: out, dims }];
    },
  };
};
