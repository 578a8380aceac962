/**
 * The input of LinearClassifier/LinearRegressor as ONNX Runtime reads it: [N, F] (or [F] as one row), cast to
 * float32 element by element.
 */
import type { Tensor } from '../../../model/tensor.ts';
import { int64ToFloat32 } from '../tensor-util.ts';

export function linearInput(x: Tensor): { rows: number; width: number; data: Float32Array } {
  const rows = x.dims.length <= 1 ? 1 : x.dims[0]!;
  const width = x.dims.length <= 1 ? (x.dims[0] ?? 1) : x.dims[1]!;
  switch (x.dtype) {
    case 'float32':
      return { rows, width, data: x.data as Float32Array };
    case 'float64':
    case 'int32':
      return { rows, width, data: Float32Array.from(x.data as Float64Array | Int32Array) };
    case 'int64':
      return { rows, width, data: Float32Array.from(x.data as BigInt64Array, int64ToFloat32) };
    default:
      throw new Error(`linear models do not read ${x.dtype} inputs`);
  }
}
