/**
 * ai.onnx.ml Imputer as ONNX Runtime computes it: float32 or int64 input, values equal to the replaced value
 * (NaN matching NaN) become the imputed value of their column — or the first imputed value whenever the list
 * does not have one per column.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';

export const compileImputer: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  const floats = node.floats('imputed_value_floats');
  const ints = node.bigints('imputed_value_int64s');
  if ((floats.length === 0) === (ints.length === 0))
    return refuse(node, 'needs exactly one of imputed_value_floats and imputed_value_int64s');
  if (input.dtype !== 'float32' && input.dtype !== 'int64')
    return refuse(node, `reads ${input.dtype} input (ONNX Runtime takes float32 or int64)`);
  const floatInput = input.dtype === 'float32';
  // ORT picks the attributes by the input type; the other list is empty and the kernel fails at run time.
  if (floatInput ? floats.length === 0 : ints.length === 0) return refuse(node, `has no imputed values for its ${input.dtype} input`);
  // Absent replaced values take the schema defaults (0), as ONNX Runtime fills them in.
  const replacedFloat = Math.fround(node.float('replaced_value_float', 0));
  const replacedInt = node.bigint('replaced_value_int64', 0n);
  const imputedFloats = Float32Array.from(floats);
  const imputedInts = BigInt64Array.from(ints);

  return {
    ok: true,
    // ONNX infers no shape for Imputer; ONNX Runtime reports the declared one.
    outputs: [{ dtype: input.dtype }],
    run: ([x]) => {
      const dims = x!.dims;
      if (dims.length === 0) throw new KernelRunError(node, 'takes a tensor with at least one dimension');
      const stride = dims.length === 1 ? dims[0]! : dims[1]!;
      const size = x!.data.length;
      if (floatInput) {
        const data = x!.data as Float32Array;
        const out = new Float32Array(size);
        const perColumn = imputedFloats.length === stride;
        const replaceNaN = replacedFloat !== replacedFloat;
        for (let i = 0; i < size; i++) {
          const v = data[i]!;
          out[i] = (replaceNaN && v !== v) || v === replacedFloat ? imputedFloats[perColumn ? i % stride : 0]! : v;
        }
        return [{ dtype: 'float32', data: out, dims }];
      }
      const data = x!.data as BigInt64Array;
      const out = new BigInt64Array(size);
      const perColumn = imputedInts.length === stride;
      for (let i = 0; i < size; i++) out[i] = data[i] === replacedInt ? imputedInts[perColumn ? i % stride : 0]! : data[i]!;
      return [{ dtype: 'int64', data: out, dims }];
    },
  };
};
