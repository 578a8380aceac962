/**
 * ai.onnx.ml Scaler as ONNX Runtime computes it: (x − offset) · scale per column (or with one offset and
 * scale for all), in the input's arithmetic — float32 for float and integer inputs (C++ converts the integer to
 * float), float64 for double — then stored as float32.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { int64ToFloat32 } from '../tensor-util.ts';

const f = Math.fround;

export const compileScaler: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'string' || input.dtype === 'bool') return refuse(node, `reads ${input.dtype} input`);
  const scale = node.floats('scale');
  const offset = node.floats('offset');
  if (scale.length === 0) return refuse(node, 'has no scale');
  if (scale.length !== offset.length) return refuse(node, `has ${scale.length} scales and ${offset.length} offsets`);
  const double = input.dtype === 'float64';
  return {
    ok: true,
    // ONNX infers no shape for this operator; ONNX Runtime reports the declared one.
    outputs: [{ dtype: 'float32' }],
    run: ([x]) => {
      const dims = x!.dims;
      if (dims.length === 0) throw new KernelRunError(node, 'takes a tensor with at least one dimension');
      const stride = dims.length === 1 ? dims[0]! : dims[1]!;
      const perColumn = offset.length === stride && scale.length === stride;
      if (!perColumn && !(offset.length === 1 && scale.length === 1))
        throw new KernelRunError(node, `has ${scale.length} scales for rows of ${stride}`);
      const size = x!.data.length;
      const out = new Float32Array(size);
      const data = x!.data;
      for (let i = 0; i < size; i++) {
        const c = perColumn ? i % stride : 0;
        const raw = data[i]!;
        const v = typeof raw === 'bigint' ? int64ToFloat32(raw) : double ? (raw as number) : f(raw as number);
        out[i] = double ? f((v - offset[c]!) * scale[c]!) : f(f(v - offset[c]!) * scale[c]!);
      }
      return [{ dtype: 'float32', data: out, dims }];
    },
  };
};
