/**
 * An ONNX graph as explanation reads it: its nodes (the compiled evaluator's `OnnxNode`), which node produces
 * each tensor, the constant tensors (initializers and Constant nodes), and a way to expose an intermediate
 * tensor as a graph output so the evaluator can compute it (the input of the estimator node).
 *
 * @example
 * const read = readOnnxGraph(bytes);
 * if (read.ok) console.log(read.graph.producer.get('probabilities')?.opType);
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { OnnxNode } from '../inference/compiled/onnx-node.ts';
import { decodeTensor, protoNumber, type ProtoInt64 } from '../inference/compiled/onnx-tensor.ts';
import type { Tensor, TensorDtype } from '../model/tensor.ts';

const { onnx } = onnxProto;

export interface OnnxGraph {
  readonly model: Onnx.ModelProto;
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
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    return { ok: false, reason: `the bytes are not an ONNX model (${(error as Error).message})` };
  }
  const graph = model.graph;
  if (!graph) return { ok: false, reason: 'the model has no graph' };
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport ?? []) opsets.set(o.domain === 'ai.onnx' ? '' : (o.domain ?? ''), protoNumber(o.version as ProtoInt64));

  const constants = new Map<string, Tensor>();
  for (const proto of graph.initializer ?? []) {
    const decoded = decodeTensor(proto);
    if (decoded.ok) constants.set(proto.name ?? '', decoded.tensor);
  }
  const nodes = (graph.node ?? []).map((proto) => new OnnxNode(proto, opsets.get(proto.domain === 'ai.onnx' ? '' : (proto.domain ?? '')) ?? 0));
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
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  return {
    ok: true,
    graph: {
      model,
      nodes,
      producer,
      consumers,
      constants,
      inputs: (graph.input ?? []).map((i) => i.name ?? '').filter((name) => !initializerNames.has(name)),
      outputs: (graph.output ?? []).map((o) => o.name ?? ''),
    },
  };
}

function constantValue(node: OnnxNode): Tensor | undefined {
  const tensor = node.tensor('value');
  if (tensor) return tensor.ok ? tensor.tensor : undefined;
  if (node.has('value_float')) return { dtype: 'float32', data: Float32Array.of(node.float('value_float', 0)), dims: [] };
  if (node.has('value_floats')) return { dtype: 'float32', data: Float32Array.from(node.floats('value_floats')), dims: [node.floats('value_floats').length] };
  if (node.has('value_int')) return { dtype: 'int64', data: BigInt64Array.of(node.bigint('value_int', 0n)), dims: [] };
  if (node.has('value_ints')) return { dtype: 'int64', data: BigInt64Array.from(node.bigints('value_ints')), dims: [node.bigints('value_ints').length] };
  return undefined;
}

const ELEMENT_TYPE: Readonly<Record<TensorDtype, number>> = { float32: 1, int32: 6, int64: 7, string: 8, bool: 9, float64: 11 };

/**
 * The model's bytes with `name` (an intermediate tensor of element type `dtype`) as its only output, keeping only
 * the nodes it depends on (so operators after it, such as a ZipMap, need not be supported). Every graph input
 * stays, so the same feeds run it.
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
  const protos = graph.model.graph?.node ?? [];
  const model = onnx.ModelProto.create({
    ...graph.model,
    graph: {
      ...graph.model.graph,
      node: protos.filter((_, i) => keep.has(graph.nodes[i]!)),
      output: [{ name, type: { tensorType: { elemType: ELEMENT_TYPE[dtype] } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
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
