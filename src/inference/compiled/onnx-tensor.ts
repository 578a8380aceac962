/**
 * Decodes ONNX TensorProtos (initializers, Constant values, tensor attributes) into Vigil tensors: raw
 * little-endian bytes or the typed repeated fields, for the element types the compiled evaluator computes with.
 */
import { ONNX_ELEMENT_TYPES, type Tensor, type TensorDtype } from '../../model/tensor.ts';
import type { Int64, TensorProto } from './onnx-reader.ts';

/** An int64 as onnx-reader.ts decodes it (a number when safe, else a bigint); absent reads as 0. */
export type ProtoInt64 = Int64 | null | undefined;

/** The exact value of a protobuf int64 field. */
export function protoBigInt(value: ProtoInt64): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value);
}

/** A protobuf int64 field as a JavaScript number (exact for dims, ids and axes: anything below 2^53). */
export function protoNumber(value: ProtoInt64): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** ONNX element type numbers of the dtypes the evaluator computes with. */
export const DTYPE_OF_ELEMENT_TYPE: Readonly<Record<number, TensorDtype>> = {
  1: 'float32',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  11: 'float64',
};

export function elementTypeName(elementType: number | null | undefined): string {
  return ONNX_ELEMENT_TYPES[elementType ?? 0] ?? `element type ${elementType ?? 'unknown'}`;
}

export type DecodedTensor = { ok: true; tensor: Tensor } | { ok: false; reason: string };

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Copies little-endian raw bytes into `data` in one go where the platform is little-endian too. */
function copyRaw(raw: Uint8Array, data: Float32Array | Float64Array | Int32Array | BigInt64Array): boolean {
  if (!LITTLE_ENDIAN) return false;
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
  return true;
}

export function decodeTensor(proto: TensorProto): DecodedTensor {
  const name = proto.name;
  if (proto.dataLocation === 1 || proto.externalData.length > 0)
    return { ok: false, reason: `tensor "${name}" keeps its data in an external file` };
  if (proto.segment) return { ok: false, reason: `tensor "${name}" is segmented` };
  const dtype = DTYPE_OF_ELEMENT_TYPE[proto.dataType];
  if (!dtype) return { ok: false, reason: `tensor "${name}" has element type ${elementTypeName(proto.dataType)}` };
  const dims = proto.dims.map(protoNumber);
  const size = dims.reduce((n, d) => n * d, 1);
  const raw = proto.rawData.length > 0 ? proto.rawData : undefined;
  const mismatch = (count: number): DecodedTensor => ({
    ok: false,
    reason: `tensor "${name}" holds ${count} values for dims [${dims.join(', ')}]`,
  });
  switch (dtype) {
    case 'float32': {
      const data = new Float32Array(size);
      if (raw) {
        if (raw.length !== size * 4) return mismatch(raw.length / 4);
        if (!copyRaw(raw, data)) {
          const v = view(raw);
          for (let i = 0; i < size; i++) data[i] = v.getFloat32(i * 4, true);
        }
      } else {
        const values = proto.floatData;
        if (values.length !== size) return mismatch(values.length);
        data.set(values);
      }
      return { ok: true, tensor: { dtype, data, dims } };
    }
    case 'float64': {
      const data = new Float64Array(size);
      if (raw) {
        if (raw.length !== size * 8) return mismatch(raw.length / 8);
        if (!copyRaw(raw, data)) {
          const v = view(raw);
          for (let i = 0; i < size; i++) data[i] = v.getFloat64(i * 8, true);
        }
      } else {
        const values = proto.doubleData;
        if (values.length !== size) return mismatch(values.length);
        data.set(values);
      }
      return { ok: true, tensor: { dtype, data, dims } };
    }
    case 'int64': {
      const data = new BigInt64Array(size);
      if (raw) {
        if (raw.length !== size * 8) return mismatch(raw.length / 8);
        if (!copyRaw(raw, data)) {
          const v = view(raw);
          for (let i = 0; i < size; i++) data[i] = v.getBigInt64(i * 8, true);
        }
      } else {
        const values = proto.int64Data;
        if (values.length !== size) return mismatch(values.length);
        for (let i = 0; i < size; i++) data[i] = protoBigInt(values[i]);
      }
      return { ok: true, tensor: { dtype, data, dims } };
    }
    case 'int32': {
      const data = new Int32Array(size);
      if (raw) {
        if (raw.length !== size * 4) return mismatch(raw.length / 4);
        if (!copyRaw(raw, data)) {
          const v = view(raw);
          for (let i = 0; i < size; i++) data[i] = v.getInt32(i * 4, true);
        }
      } else {
        const values = proto.int32Data;
        if (values.length !== size) return mismatch(values.length);
        data.set(values);
      }
      return { ok: true, tensor: { dtype, data, dims } };
    }
    case 'bool': {
      const data = new Uint8Array(size);
      if (raw) {
        if (raw.length !== size) return mismatch(raw.length);
        for (let i = 0; i < size; i++) data[i] = raw[i] ? 1 : 0;
      } else {
        const values = proto.int32Data;
        if (values.length !== size) return mismatch(values.length);
        for (let i = 0; i < size; i++) data[i] = values[i] ? 1 : 0;
      }
      return { ok: true, tensor: { dtype, data, dims } };
    }
    case 'string': {
      const values = proto.stringData;
      if (values.length !== size) return mismatch(values.length);
      return { ok: true, tensor: { dtype, data: values.strings(), dims } };
    }
  }
}
