/**
 * One ONNX node with typed access to its attributes, the way kernels read them at compile time.
 */
import type { AttributeProto, Int64, NodeProto } from './onnx-reader.ts';
import type { TreeArrays } from './ops/tree-ensemble.ts';
import { decodeTensor, protoBigInt, protoNumber, type DecodedTensor } from './onnx-tensor.ts';

const utf8 = new TextDecoder();

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

const EMPTY_FLOATS = new Float32Array(0);

export class OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  /** Input names; '' for an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Operator set version of the node's domain. */
  readonly opset: number;
  readonly #attributes: Map<string, AttributeProto>;
  /**
   * A tree ensemble's arrays: set by the kernel once it has read them from the attributes, or beforehand from what
   * a build stored for this node (tree-image.ts), in which case the kernel does not read those attributes at all.
   */
  trees?: TreeArrays;

  constructor(proto: NodeProto, opset: number) {
    this.opType = proto.opType;
    this.domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    this.name = proto.name;
    this.inputs = proto.input;
    this.outputs = proto.output;
    this.opset = opset;
    this.#attributes = new Map(proto.attribute.map((a) => [a.name, a]));
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
    for (const a of this.#attributes.values())
      if (a.type === ATTRIBUTE_TYPE.GRAPH || a.type === ATTRIBUTE_TYPE.GRAPHS || a.g || a.graphs.length > 0) return true;
    return false;
  }

  // A present attribute reads its own field whatever its declared type, an absent field as 0 / '' (protobuf's
  // defaults, as onnx-proto decoded them); the fallback is only for an attribute the node does not have.

  int(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a ? protoNumber(a.i) : fallback;
  }

  /** An INT attribute as an exact int64. */
  bigint(name: string, fallback: bigint): bigint {
    const a = this.#attributes.get(name);
    return a ? protoBigInt(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.#attributes.get(name);
    return a ? a.f : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.#attributes.get(name);
    return a ? utf8.decode(a.s) : fallback;
  }

  ints(name: string): number[] {
    const list = this.#attributes.get(name)?.ints ?? [];
    // Numbers unless some value is beyond 2^53 (then all are bigints): usually a copy in one builtin call.
    return typeof list[0] === 'bigint' ? (list as readonly bigint[]).map(protoNumber) : (list as readonly number[]).slice();
  }

  /** INTS as exact int64 values (class labels, category ids). */
  bigints(name: string): bigint[] {
    const list: readonly Int64[] = this.#attributes.get(name)?.ints ?? [];
    return list.map(protoBigInt);
  }

  floats(name: string): number[] {
    const list = this.#attributes.get(name)?.floats;
    if (!list) return [];
    // A plain loop: Array.from over a typed array is several times slower before V8 optimises anything.
    const out: number[] = [];
    for (let i = 0; i < list.length; i++) out.push(list[i]!);
    return out;
  }

  /**
   * A FLOATS attribute as read, without a copy (empty when absent): for long lists, such as a tree ensemble's
   * thresholds and weights, on a cold start. The array is shared: do not modify it.
   */
  floatArray(name: string): Float32Array {
    return this.#attributes.get(name)?.floats ?? EMPTY_FLOATS;
  }

  strings(name: string): string[] {
    return this.#attributes.get(name)?.strings.strings() ?? [];
  }

  tensor(name: string): DecodedTensor | undefined {
    const t = this.#attributes.get(name)?.t;
    return t ? decodeTensor(t) : undefined;
  }
}
