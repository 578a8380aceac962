/**
 * One ONNX node with typed access to its attributes, the way kernels read them at compile time.
 */
import type { onnx as Onnx } from 'onnx-proto';
import { decodeTensor, protoBigInt, protoNumber, type DecodedTensor, type ProtoInt64 } from './onnx-tensor.ts';

const utf8 = new TextDecoder();

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

export class OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  /** Input names; '' for an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Operator set version of the node's domain. */
  readonly opset: number;
  readonly #attributes: Map<string, Onnx.IAttributeProto>;

  constructor(proto: Onnx.INodeProto, opset: number) {
    this.opType = proto.opType ?? '';
    this.domain = proto.domain === 'ai.onnx' ? '' : (proto.domain ?? '');
    this.name = proto.name ?? '';
    this.inputs = proto.input ?? [];
    this.outputs = proto.output ?? [];
    this.opset = opset;
    this.#attributes = new Map((proto.attribute ?? []).map((a) => [a.name ?? '', a]));
  }

  /** How messages name the node: `node "name" (OpType)`. */
  get label(): string {
    return `node "${this.name || this.outputs[0] || '?'}" (${this.opType})`;
  }

  get attributeNames(): string[] {
    return [...this.#attributes.keys()];
  }

  has(name: string): boolean {
    return this.#attributes.has(name);
  }

  /** Whether the attribute holds a subgraph (control flow), which the evaluator never runs. */
  hasGraphAttribute(): boolean {
    for (const a of this.#attributes.values()) if (a.type === ATTRIBUTE_TYPE.GRAPH || a.type === ATTRIBUTE_TYPE.GRAPHS || a.g || (a.graphs ?? []).length > 0) return true;
    return false;
  }

  int(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a && (a.type === ATTRIBUTE_TYPE.INT || a.i !== undefined) ? protoNumber(a.i as ProtoInt64) : fallback;
  }

  /** An INT attribute as an exact int64. */
  bigint(name: string, fallback: bigint): bigint {
    const a = this.#attributes.get(name);
    return a && (a.type === ATTRIBUTE_TYPE.INT || a.i !== undefined) ? protoBigInt(a.i as ProtoInt64) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a && (a.type === ATTRIBUTE_TYPE.FLOAT || a.f !== undefined) ? (a.f ?? 0) : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.#attributes.get(name);
    return a && (a.type === ATTRIBUTE_TYPE.STRING || a.s) ? utf8.decode(a.s ?? new Uint8Array()) : fallback;
  }

  ints(name: string): number[] {
    return (this.#attributes.get(name)?.ints ?? []).map((v) => protoNumber(v as ProtoInt64));
  }

  /** INTS as exact int64 values (class labels, category ids). */
  bigints(name: string): bigint[] {
    return (this.#attributes.get(name)?.ints ?? []).map((v) => protoBigInt(v as ProtoInt64));
  }

  floats(name: string): number[] {
    return [...(this.#attributes.get(name)?.floats ?? [])];
  }

  strings(name: string): string[] {
    return (this.#attributes.get(name)?.strings ?? []).map((s) => utf8.decode(s));
  }

  tensor(name: string): DecodedTensor | undefined {
    const t = this.#attributes.get(name)?.t;
    return t ? decodeTensor(t) : undefined;
  }
}
