/**
 * Tensors as they cross between Vigil and a model runtime: the element types tabular ONNX models take and
 * return, with the JavaScript arrays ONNX Runtime's JS APIs use for each.
 *
 * @example
 * const t: Tensor = { dtype: 'string', data: ['male', 'female'], dims: [2, 1] };
 */

/** Element types of model inputs Vigil feeds (ONNX Runtime's names). */
export const TENSOR_DTYPES = ['float32', 'float64', 'int64', 'int32', 'string', 'bool'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | string[] | Uint8Array;

export interface Tensor {
  dtype: TensorDtype;
  data: TensorData;
  dims: readonly number[];
}

/** A tensor a model returned: its element type is whatever the runtime reports (e.g. 'float32', 'int64'). */
export interface OutputTensor {
  type: string;
  data: TensorData | readonly unknown[];
  dims: readonly number[];
}

/** Element types that carry NaN for a missing value. */
export function isFloatDtype(dtype: string): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** Integer ranges a value must fit to be fed as this dtype (int64 as JavaScript numbers: the safe integers). */
export const INTEGER_DTYPE_RANGE: Readonly<Record<'int32' | 'int64', { min: number; max: number }>> = {
  int32: { min: -2147483648, max: 2147483647 },
  int64: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

/** ONNX TensorProto.DataType numbers of the dtypes above, and their names for messages. */
export const ONNX_ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};
