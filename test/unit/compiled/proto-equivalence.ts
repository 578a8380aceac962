/**
 * Holds src/inference/compiled/onnx-reader.ts to onnx-proto (protobufjs): both decodes, reduced to the fields
 * the compiled evaluator and explanations read, must be equal. The reduction is where the two differ only in
 * representation: int64s (Long objects or numbers vs numbers or bigints) become bigints, float lists (number
 * arrays vs typed arrays) number arrays, bytes hex strings, absent messages (null vs undefined) undefined.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { expect } from 'vitest';
import {
  readOnnxModel,
  RepeatedBytes,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from '../../../src/inference/compiled/onnx-reader.ts';

const { onnx } = onnxProto;

type Int64Like = number | bigint | { low: number; high: number; unsigned?: boolean } | null | undefined;

function int64(value: Int64Like): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' || typeof value === 'bigint') return BigInt(value);
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}

const int64s = (values: ArrayLike<Int64Like> | null | undefined) => Array.from(values ?? [], int64);
const numbers = (values: ArrayLike<number> | null | undefined) => Array.from(values ?? []);
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('hex');
const hexes = (list: RepeatedBytes | readonly Uint8Array[] | null | undefined) =>
  (list instanceof RepeatedBytes ? list.toArray() : (list ?? [])).map(hex);

type AnyModel = ModelProto | Onnx.IModelProto;
type AnyGraph = GraphProto | Onnx.IGraphProto;
type AnyNode = NodeProto | Onnx.INodeProto;
type AnyAttribute = AttributeProto | Onnx.IAttributeProto;
type AnyTensor = TensorProto | Onnx.ITensorProto;
type AnyValueInfo = ValueInfoProto | Onnx.IValueInfoProto;
type AnyType = TypeProto | Onnx.ITypeProto;

/** The fields the evaluator and explanations read, in one representation. */
export function comparable(model: AnyModel) {
  return {
    irVersion: int64(model.irVersion as Int64Like),
    opsetImport: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: int64(o.version as Int64Like) })),
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graph: model.graph ? graph(model.graph) : undefined,
  };
}

function graph(g: AnyGraph): unknown {
  return {
    name: g.name ?? '',
    node: (g.node ?? []).map(node),
    initializer: (g.initializer ?? []).map(tensor),
    input: (g.input ?? []).map(valueInfo),
    output: (g.output ?? []).map(valueInfo),
    valueInfo: (g.valueInfo ?? []).map(valueInfo),
  };
}

function node(n: AnyNode): unknown {
  return {
    input: [...(n.input ?? [])],
    output: [...(n.output ?? [])],
    name: n.name ?? '',
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    attribute: (n.attribute ?? []).map(attribute),
  };
}

function attribute(a: AnyAttribute): unknown {
  return {
    name: a.name ?? '',
    type: a.type ?? 0,
    f: a.f ?? 0,
    i: int64(a.i as Int64Like),
    s: hex(a.s),
    t: a.t ? tensor(a.t) : undefined,
    g: a.g ? graph(a.g) : undefined,
    floats: numbers(a.floats),
    ints: int64s(a.ints as ArrayLike<Int64Like>),
    strings: hexes(a.strings),
    tensors: (a.tensors ?? []).map(tensor),
    graphs: (a.graphs ?? []).map(graph),
  };
}

function tensor(t: AnyTensor): unknown {
  return {
    name: t.name ?? '',
    dims: int64s(t.dims as ArrayLike<Int64Like>),
    dataType: t.dataType ?? 0,
    segment: t.segment ? { begin: int64(t.segment.begin as Int64Like), end: int64(t.segment.end as Int64Like) } : undefined,
    floatData: numbers(t.floatData),
    int32Data: numbers(t.int32Data),
    stringData: hexes(t.stringData),
    int64Data: int64s(t.int64Data as ArrayLike<Int64Like>),
    doubleData: numbers(t.doubleData),
    uint64Data: int64s(t.uint64Data as ArrayLike<Int64Like>),
    rawData: hex(t.rawData),
    dataLocation: t.dataLocation ?? 0,
    externalData: (t.externalData ?? []).map((e) => ({ key: e.key ?? '', value: e.value ?? '' })),
  };
}

function valueInfo(v: AnyValueInfo): unknown {
  return { name: v.name ?? '', type: v.type ? type(v.type) : undefined };
}

function type(t: AnyType): unknown {
  const tensorType = t.tensorType;
  return {
    tensorType: tensorType
      ? {
          elemType: tensorType.elemType ?? 0,
          shape: tensorType.shape
            ? {
                dim: (tensorType.shape.dim ?? []).map((d) => ({
                  // onnx-proto sets dimValue as an own property only when the bytes have it.
                  dimValue:
                    d instanceof onnx.TensorShapeProto.Dimension
                      ? Object.hasOwn(d, 'dimValue')
                        ? int64(d.dimValue as Int64Like)
                        : undefined
                      : d.dimValue === undefined
                        ? undefined
                        : int64(d.dimValue as Int64Like),
                  dimParam: d.dimParam ?? undefined,
                })),
              }
            : undefined,
        }
      : undefined,
    sequenceType: t.sequenceType ? { elemType: t.sequenceType.elemType ? type(t.sequenceType.elemType) : undefined } : undefined,
    mapType: t.mapType
      ? { keyType: t.mapType.keyType ?? 0, valueType: t.mapType.valueType ? type(t.mapType.valueType) : undefined }
      : undefined,
  };
}

/** Asserts the reader decodes `bytes` as onnx-proto does, on every field the evaluator reads. */
export function expectReaderMatchesOnnxProto(bytes: Uint8Array, label = 'model'): void {
  const read = readOnnxModel(bytes);
  if (!read.ok) expect.unreachable(`${label}: the reader refused bytes onnx-proto decodes: ${read.reason}`);
  expect(comparable(read.model), label).toEqual(comparable(onnx.ModelProto.decode(bytes)));
}
