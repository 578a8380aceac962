/**
 * Reads an ONNX file (onnx-proto) into what packaging needs to know about it: the graph's real inputs and
 * outputs with their element types and shapes, its nodes with typed attribute access, producer and opsets.
 * Unreadable files are a value, not an exception.
 *
 * @example
 * const read = readOnnxModel(bytes);
 * if (read.ok) console.log(read.model.inputs.map((i) => `${i.name} ${i.elemType} [${i.dims}]`));
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { ONNX_ELEMENT_TYPES } from '../../src/model/tensor.ts';

const { onnx } = onnxProto;
const utf8 = new TextDecoder();

type Long = { toNumber(): number } | number;

/** A number from protobufjs' int64 fields (a Long object or a number). */
export function int64(value: Long | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** A graph input or output. `dims`: a number, a symbolic name, or null for an unknown dimension. */
export interface OnnxValue {
  name: string;
  kind: 'tensor' | 'sequence_of_maps' | 'other';
  /** Element type name (`float32`, `int64`, `string`, …) of a tensor. */
  elemType?: string;
  dims?: (number | string | null)[];
  /** How the type reads in a message: `float32 [N, 3]`, `sequence<map<int64, float32>>`. */
  describe: string;
}

export class OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly #attributes: Map<string, Onnx.IAttributeProto>;

  constructor(proto: Onnx.INodeProto) {
    this.opType = proto.opType ?? '';
    this.domain = proto.domain === 'ai.onnx' ? '' : (proto.domain ?? '');
    this.name = proto.name ?? '';
    this.inputs = proto.input ?? [];
    this.outputs = proto.output ?? [];
    this.#attributes = new Map((proto.attribute ?? []).map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.#attributes.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a?.i !== undefined && a.i !== null ? int64(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a?.f !== undefined && a.f !== null ? a.f : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.#attributes.get(name);
    return a?.s ? utf8.decode(a.s) : fallback;
  }

  ints(name: string): number[] {
    return (this.#attributes.get(name)?.ints ?? []).map(int64);
  }

  floats(name: string): number[] {
    return [...(this.#attributes.get(name)?.floats ?? [])];
  }

  strings(name: string): string[] {
    return (this.#attributes.get(name)?.strings ?? []).map((s) => utf8.decode(s));
  }
}

export interface OnnxModel {
  proto: Onnx.ModelProto;
  /** `skl2onnx 1.11.2`, `pytorch 2.5.0`, … */
  producer: string;
  /** Operator set version by domain ('' is ai.onnx). */
  opsets: Record<string, number>;
  /** Inputs the caller feeds (initializers listed as inputs by old IR versions are left out). */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  /** The node producing each value. */
  producerOf: ReadonlyMap<string, OnnxNode>;
  /** The nodes reading each value. */
  consumersOf: ReadonlyMap<string, OnnxNode[]>;
  /** Names of constant tensors (initializers). */
  initializers: ReadonlySet<string>;
}

export type ReadResult = { ok: true; model: OnnxModel } | { ok: false; message: string };

function elemTypeName(type: number | null | undefined): string {
  return ONNX_ELEMENT_TYPES[type ?? 0] ?? `element type ${type ?? 'unknown'}`;
}

function describeType(type: Onnx.ITypeProto | null | undefined): string {
  if (!type) return 'unknown type';
  if (type.tensorType) return `tensor<${elemTypeName(type.tensorType.elemType)}>`;
  if (type.sequenceType) return `sequence<${describeType(type.sequenceType.elemType)}>`;
  if (type.mapType) return `map<${elemTypeName(type.mapType.keyType)}, ${describeType(type.mapType.valueType)}>`;
  if (type.optionalType) return 'optional';
  if (type.sparseTensorType) return 'sparse tensor';
  return 'unknown type';
}

function value(info: Onnx.IValueInfoProto): OnnxValue {
  const name = info.name ?? '';
  const tensor = info.type?.tensorType;
  if (tensor) {
    const elemType = elemTypeName(tensor.elemType);
    const dims = tensor.shape
      ? (tensor.shape.dim ?? []).map((d) =>
          d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? int64(d.dimValue) : null,
        )
      : undefined;
    // An unnamed first dimension is the batch: shown as N.
    const shape = dims ? ` [${dims.map((d, i) => d ?? (i === 0 ? 'N' : '?')).join(', ')}]` : '';
    return { name, kind: 'tensor', elemType, ...(dims ? { dims } : {}), describe: `${elemType}${shape}` };
  }
  const sequence = info.type?.sequenceType?.elemType;
  if (sequence?.mapType) return { name, kind: 'sequence_of_maps', describe: describeType(info.type) };
  return { name, kind: 'other', describe: describeType(info.type) };
}

export function readOnnxModel(bytes: Uint8Array): ReadResult {
  let proto: Onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (error) {
    return { ok: false, message: `it is not an ONNX model (the protobuf does not decode: ${(error as Error).message})` };
  }
  const graph = proto.graph;
  if (!graph || (graph.node ?? []).length === 0 || (graph.output ?? []).length === 0) {
    return { ok: false, message: 'it is not an ONNX model (no graph with nodes and outputs)' };
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const nodes = (graph.node ?? []).map((n) => new OnnxNode(n));
  const producerOf = new Map<string, OnnxNode>();
  const consumersOf = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producerOf.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumersOf.get(i) ?? [];
      list.push(n);
      consumersOf.set(i, list);
    }
  }
  const opsets: Record<string, number> = {};
  for (const o of proto.opsetImport ?? []) opsets[o.domain === 'ai.onnx' ? '' : (o.domain ?? '')] = int64(o.version);
  return {
    ok: true,
    model: {
      proto,
      producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' ') || 'unknown',
      opsets,
      inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(value),
      outputs: (graph.output ?? []).map(value),
      nodes,
      producerOf,
      consumersOf,
      initializers,
    },
  };
}

/** The model's bytes (deterministic: the same proto encodes to the same bytes). */
export function encodeOnnxModel(proto: Onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(proto).finish();
}
