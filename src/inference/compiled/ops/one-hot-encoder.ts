/**
 * ai.onnx.ml OneHotEncoder as ONNX Runtime computes it: output [...input dims, K] of 0/1 floats; string input
 * matches cats_strings, numeric input is truncated to int64 and matches cats_int64s (a repeated category keeps
 * its last position); an unknown category is all zeros, or an error when zeros = 0.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { floatToInt64 } from '../tensor-util.ts';

export const compileOneHotEncoder: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'int32' || input.dtype === 'bool')
    return refuse(node, `reads ${input.dtype} input (ONNX Runtime takes string, int64, float32 or float64)`);
  const catsInts = node.bigints('cats_int64s');
  const catsStrings = node.strings('cats_strings');
  if (catsInts.length > 0 && catsStrings.length > 0) return refuse(node, 'has both cats_int64s and cats_strings');
  const count = catsInts.length + catsStrings.length;
  if (count === 0) return refuse(node, 'has no categories');
  const zeros = node.int('zeros', 1) !== 0;
  const stringIndex = new Map<string, number>();
  catsStrings.forEach((c, i) => stringIndex.set(c, i));
  const intIndex = new Map<bigint, number>();
  catsInts.forEach((c, i) => intIndex.set(c, i));
  const stringInput = input.dtype === 'string';

  return {
    ok: true,
    outputs: [{ dtype: 'float32', ...(input.dims ? { dims: [...input.dims, count] } : {}) }],
    run: ([x]) => {
      const data = x!.data;
      const size = data.length;
      const out = new Float32Array(size * count);
      for (let i = 0; i < size; i++) {
        const v = data[i]!;
        const at = stringInput ? stringIndex.get(v as string) : intIndex.get(typeof v === 'bigint' ? v : floatToInt64(v as number));
        if (at !== undefined) out[i * count + at] = 1;
        else if (!zeros) throw new KernelRunError(node, 'met an unknown category and zeros = 0');
      }
      return [{ dtype: 'float32', data: out, dims: [...x!.dims, count] }];
    },
  };
};
