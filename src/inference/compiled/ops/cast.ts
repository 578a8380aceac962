/**
 * ai.onnx Cast between float32, float64, int32, int64 and bool with C++'s conversions as ONNX Runtime's WASM
 * build makes them: float → int truncates (saturating, NaN → 0), int64 → float32 rounds once, anything → bool
 * is `!= 0`. Casts from or to strings are refused.
 */
import type { Tensor, TensorData, TensorDtype } from '../../../model/tensor.ts';
import { refuse, type KernelCompiler } from '../kernel.ts';
import { DTYPE_OF_ELEMENT_TYPE, elementTypeName } from '../onnx-tensor.ts';
import { floatToInt32, floatToInt64, int64ToFloat32 } from '../tensor-util.ts';

function convert(x: Tensor, to: TensorDtype): TensorData {
  const from = x.dtype;
  const data = x.data;
  if (from === to) return (data as Float32Array).slice() as TensorData;
  if (from === 'int64') {
    const v = data as BigInt64Array;
    switch (to) {
      case 'float32':
        return Float32Array.from(v, int64ToFloat32);
      case 'float64':
        return Float64Array.from(v, (b) => Number(b));
      case 'int32':
        return Int32Array.from(v, (b) => Number(BigInt.asIntN(32, b)));
      case 'bool':
        return Uint8Array.from(v, (b) => (b !== 0n ? 1 : 0));
      default:
        break;
    }
  } else if (from !== 'string') {
    const v = data as Float32Array | Float64Array | Int32Array | Uint8Array;
    switch (to) {
      case 'float32':
        return Float32Array.from(v);
      case 'float64':
        return Float64Array.from(v);
      case 'int32':
        return Int32Array.from(v, floatToInt32);
      case 'int64':
        return BigInt64Array.from(v as ArrayLike<number>, floatToInt64);
      case 'bool':
        return Uint8Array.from(v as ArrayLike<number>, (n) => (n !== 0 ? 1 : 0));
      default:
        break;
    }
  }
  throw new Error(`cannot cast ${from} to ${to}`);
}

export const compileCast: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  const toType = node.int('to', 0);
  const to = DTYPE_OF_ELEMENT_TYPE[toType];
  if (!to) return refuse(node, `casts to ${elementTypeName(toType)}`);
  if (to === 'string' || input.dtype === 'string') return refuse(node, `casts ${input.dtype} to ${to} (string casts are not supported)`);
  return {
    ok: true,
    outputs: [{ dtype: to, ...(input.dims ? { dims: input.dims } : {}) }],
    run: ([x]) => [{ dtype: to, data: convert(x!, to), dims: x!.dims }],
  };
};
