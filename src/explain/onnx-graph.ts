/**
 * An ONNX graph as explanation reads it: its nodes (the compiled evaluator's `OnnxNode`), which node produces
 * each tensor, the constant tensors (initializers and Constant nodes), and a way to expose an intermediate
 * tensor as a graph output so the evaluator can compute it (the input of the estimator node).
 *
 * @example
 * const read = readOnnxGraph(bytes);
 * if (read.ok) console.log(read.graph.producer.get('probabilities')?.opType);
 */
import { OnnxNode } from '../inference/compiled/onnx-node.ts';
import { fieldSpans, readOnnxModel, type ModelProto } from '../inference/compiled/onnx-reader.ts';
import { decodeTensor, protoNumber } from '../inference/compiled/onnx-tensor.ts';
import type { Tensor, TensorDtype } from '../model/tensor.ts';

export interface OnnxGraph {
  /** The bytes read (not copied: they must not change while the graph is in use). */
  readonly bytes: Uint8Array;
  readonly model: ModelProto;
  readonly nodes: readonly OnnxNode[];
  /** Tensor name → the node that writes it. */
  readonly producer: ReadonlyMap<string, OnnxNode>;
  /** Tensor name → the nodes that read it. */
  readonly consumers: ReadonlyMap<string, readonly OnnxNode[]>;
  /** Initializers and Constant node outputs that could be decoded. */
  readonly constants: ReadonlyMap<string, Tensor>;
  /** Graph inputs that are not initializers. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export type ReadOnnxGraphResult = { ok: true; graph: OnnxGraph } | { ok: false; reason: string };

export function readOnnxGraph(bytes: Uint8Array): ReadOnnxGraphResult {
  const read = readOnnxModel(bytes);
  if (!read.ok) return { ok: false, reason: `the bytes are not an ONNX model (${read.reason})` };
  const model = read.model;
  const graph = model.graph;
  if (!graph) return { ok: false, reason: 'the model has no graph' };
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport) opsets.set(o.domain === 'ai.onnx' ? '' : o.domain, protoNumber(o.version));

  const constants = new Map<string, Tensor>();
  for (const proto of graph.initializer) {
    const decoded = decodeTensor(proto);
    if (decoded.ok) constants.set(proto.name, decoded.tensor);
  }
  const nodes = graph.node.map((proto) => new OnnxNode(proto, opsets.get(proto.domain === 'ai.onnx' ? '' : proto.domain) ?? 0));
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of nodes) {
    for (const name of node.outputs) if (name !== '') producer.set(name, node);
    for (const name of node.inputs) {
      if (name === '') continue;
      const list = consumers.get(name) ?? [];
      list.push(node);
      consumers.set(name, list);
    }
    if (node.opType === 'Constant' && node.domain === '') {
      const value = constantValue(node);
      if (value && node.outputs[0]) constants.set(node.outputs[0], value);
    }
  }
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  return {
    ok: true,
    graph: {
      bytes,
      model,
      nodes,
      producer,
      consumers,
      constants,
      inputs: graph.input.map((i) => i.name).filter((name) => !initializerNames.has(name)),
      outputs: graph.output.map((o) => o.name),
    },
  };
}

function constantValue(node: OnnxNode): Tensor | undefined {
  const tensor = node.tensor('value');
  if (tensor) return tensor.ok ? tensor.tensor : undefined;
  if (node.has('value_float')) return { dtype: 'float32', data: Float32Array.of(node.float('value_float', 0)), dims: [] };
  if (node.has('value_floats'))
    return { dtype: 'float32', data: Float32Array.from(node.floats('value_floats')), dims: [node.floats('value_floats').length] };
  if (node.has('value_int')) return { dtype: 'int64', data: BigInt64Array.of(node.bigint('value_int', 0n)), dims: [] };
  if (node.has('value_ints'))
    return { dtype: 'int64', data: BigInt64Array.from(node.bigints('value_ints')), dims: [node.bigints('value_ints').length] };
  return undefined;
}

const ELEMENT_TYPE: Readonly<Record<TensorDtype, number>> = { float32: 1, int32: 6, int64: 7, string: 8, bool: 9, float64: 11 };

/**
 * The model's bytes with `name` (an intermediate tensor of element type `dtype`) as its only output, keeping only
 * the nodes it depends on (so operators after it, such as a ZipMap, need not be supported). Every graph input
 * stays, so the same feeds run it. Written by copying the original bytes field by field, dropping the other
 * nodes and the outputs, so everything else (initializers, opsets, fields this code never reads) is kept exactly.
 */
export function withOutput(graph: OnnxGraph, name: string, dtype: TensorDtype): Uint8Array {
  const needed = new Set<string>();
  const keep = new Set<OnnxNode>();
  const stack = [name];
  while (stack.length > 0) {
    const tensor = stack.pop()!;
    if (needed.has(tensor)) continue;
    needed.add(tensor);
    const node = graph.producer.get(tensor);
    if (!node || keep.has(node)) continue;
    keep.add(node);
    stack.push(...node.inputs.filter((i) => i !== ''));
  }
  const bytes = graph.bytes;
  const modelFields = fieldSpans(bytes);
  // A repeated message field is merged on reading; readOnnxModel keeps the last graph, as onnx-proto did.
  const graphField = modelFields.findLast((f) => f.field === MODEL_GRAPH && f.wireType === LENGTH_DELIMITED);
  const parts: Uint8Array[] = [];
  if (graphField) {
    const graphBytes = bytes.subarray(graphField.valueStart, graphField.end);
    let nodeIndex = 0;
    for (const f of fieldSpans(graphBytes)) {
      if (f.field === GRAPH_OUTPUT && f.wireType === LENGTH_DELIMITED) continue;
      if (f.field === GRAPH_NODE && f.wireType === LENGTH_DELIMITED && !keep.has(graph.nodes[nodeIndex++]!)) continue;
      parts.push(graphBytes.subarray(f.start, f.end));
    }
  }
  parts.push(
    message(GRAPH_OUTPUT, [
      message(VALUE_INFO_NAME, [utf8.encode(name)]),
      message(VALUE_INFO_TYPE, [message(TYPE_TENSOR, [varintField(TENSOR_ELEM_TYPE, ELEMENT_TYPE[dtype])])]),
    ]),
  );
  const rest = modelFields
    .filter((f) => !(f.field === MODEL_GRAPH && f.wireType === LENGTH_DELIMITED))
    .map((f) => bytes.subarray(f.start, f.end));
  return concat([...rest, message(MODEL_GRAPH, parts)]);
}

// Field numbers (onnx.proto) and the little protobuf writing withOutput needs.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const LENGTH_DELIMITED = 2;
const utf8 = new TextEncoder();

function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

function varintField(field: number, value: number): Uint8Array {
  return concat([varint(field * 8), varint(value)]);
}

function message(field: number, parts: readonly Uint8Array[]): Uint8Array {
  const body = concat(parts);
  return concat([varint(field * 8 + LENGTH_DELIMITED), varint(body.length), body]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A constant's values as float64 numbers, when it is a float or integer tensor. */
export function constantNumbers(tensor: Tensor | undefined): Float64Array | undefined {
  if (!tensor) return undefined;
  switch (tensor.dtype) {
    case 'float32':
    case 'float64':
    case 'int32':
      return Float64Array.from(tensor.data as ArrayLike<number>);
    case 'int64':
      return Float64Array.from(tensor.data as BigInt64Array, Number);
    default:
      return undefined;
  }
}
