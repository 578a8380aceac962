/**
 * Compiles an ONNX model into a session that evaluates it in JavaScript, with ONNX Runtime's arithmetic, for
 * the operators tabular models use (see operators.ts). Unsupported graphs are a value naming the first node
 * (or input/output) that cannot be compiled and why, so callers can fall back to ONNX Runtime.
 *
 * @example
 * const compiled = compileOnnx(bytes);
 * if (compiled.ok) {
 *   const out = await compiled.session.run({ input: { dtype: 'float32', data: row, dims: [1, 14] } }, ['variable']);
 * } else {
 *   console.warn(`served by ONNX Runtime: ${compiled.reason}`);
 * }
 */
import type { Tensor } from '../../model/tensor.ts';
import type { TensorSignature } from '../model-runtime.ts';
import { CompiledSession, type Plan, type PlanInput, type PlanStep } from './compiled-session.ts';
import type { ValueType } from './kernel.ts';
import { OnnxNode } from './onnx-node.ts';
import { readOnnxModel, type TypeProto, type ValueInfoProto } from './onnx-reader.ts';
import { DTYPE_OF_ELEMENT_TYPE, decodeTensor, elementTypeName, protoNumber } from './onnx-tensor.ts';
import { kernelFor } from './operators.ts';
import type { TreeArrays } from './ops/tree-ensemble.ts';
import { signatureDims } from './shape-inference.ts';

export type CompileOnnxResult = { ok: true; session: CompiledSession } | { ok: false; reason: string };

interface DeclaredValue {
  name: string;
  value: ValueType;
  /** Declared dims as ONNX Runtime reports them (−1 unknown); undefined when the graph declares no shape. */
  dims?: (number | string)[];
}

function describeType(type: TypeProto | undefined): string {
  if (!type) return 'of unknown type';
  if (type.tensorType) return `a ${elementTypeName(type.tensorType.elemType)} tensor`;
  if (type.sequenceType) return type.sequenceType.elemType?.mapType ? 'a sequence of maps (a ZipMap output)' : 'a sequence';
  if (type.mapType) return 'a map';
  return 'not a tensor';
}

/** A graph input or output as a tensor of a supported element type, or why not. */
function declared(info: ValueInfoProto, what: 'input' | 'output'): DeclaredValue | { reason: string } {
  const name = info.name;
  const tensor = info.type?.tensorType;
  const dtype = tensor ? DTYPE_OF_ELEMENT_TYPE[tensor.elemType] : undefined;
  if (!tensor || !dtype)
    return { reason: `${what} "${name}" is ${describeType(info.type)}, which the compiled evaluator does not support` };
  const shape = tensor.shape?.dim;
  const dims = shape?.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined ? protoNumber(d.dimValue) : -1));
  return { name, value: { dtype, ...(dims ? { dims: dims.map((d) => (d === -1 ? null : d)) } : {}) }, ...(dims ? { dims } : {}) };
}

/**
 * `trees`, when given, maps a tree ensemble node's index in the graph to its arrays: those present are used
 * instead of reading the node's tree attributes (what a build stored for these bytes, see tree-image.ts), and
 * those read are added, so a build can store them.
 */
export function compileOnnx(bytes: Uint8Array, trees?: Map<number, TreeArrays>): CompileOnnxResult {
  // With the trees of an image, the tree attributes need not be read: they stay bytes unless something asks.
  const read = readOnnxModel(bytes, { lazyAttributes: trees !== undefined && trees.size > 0 });
  if (!read.ok) return { ok: false, reason: `the bytes are not an ONNX model (${read.reason})` };
  const graph = read.model.graph;
  if (!graph || graph.output.length === 0) return { ok: false, reason: 'the model has no graph outputs' };

  const opsets = new Map<string, number>();
  for (const o of read.model.opsetImport) opsets.set(o.domain === 'ai.onnx' ? '' : o.domain, protoNumber(o.version));

  const initializerProtos = new Map(graph.initializer.map((t) => [t.name, t]));
  const types = new Map<string, ValueType>();
  const slots = new Map<string, number>();
  const slotOf = (name: string): number => {
    let s = slots.get(name);
    if (s === undefined) {
      s = slots.size;
      slots.set(name, s);
    }
    return s;
  };

  const inputs: PlanInput[] = [];
  const inputSignatures: TensorSignature[] = [];
  for (const info of graph.input) {
    if (initializerProtos.has(info.name)) continue;
    const d = declared(info, 'input');
    if ('reason' in d) return { ok: false, reason: d.reason };
    types.set(d.name, d.value);
    inputs.push({
      name: d.name,
      slot: slotOf(d.name),
      dtype: d.value.dtype,
      ...(d.value.dims ? { dims: d.value.dims.map((x) => (typeof x === 'number' ? x : null)) } : {}),
    });
    inputSignatures.push({ name: d.name, type: d.value.dtype, dims: d.dims ?? [] });
  }
  const outputs: DeclaredValue[] = [];
  for (const info of graph.output) {
    const d = declared(info, 'output');
    if ('reason' in d) return { ok: false, reason: d.reason };
    outputs.push(d);
  }

  const constants: [number, Tensor][] = [];
  for (const [name, proto] of initializerProtos) {
    const decoded = decodeTensor(proto);
    if (!decoded.ok) return { ok: false, reason: `initializer ${decoded.reason}` };
    types.set(name, { dtype: decoded.tensor.dtype, dims: decoded.tensor.dims, constant: decoded.tensor });
    constants.push([slotOf(name), decoded.tensor]);
  }

  // Topological order: repeatedly take the first node (in graph order) whose inputs are all known.
  const pending = [...graph.node];
  const indexOf = new Map(graph.node.map((n, i) => [n, i]));
  const steps: PlanStep[] = [];
  while (pending.length > 0) {
    const at = pending.findIndex((n) => n.input.every((i) => i === '' || types.has(i)));
    if (at < 0) {
      const stuck = pending[0]!;
      const missing = stuck.input.find((i) => i !== '' && !types.has(i));
      return {
        ok: false,
        reason:
          `node "${stuck.name || stuck.output[0] || '?'}" (${stuck.opType}) ` +
          `reads "${missing}", which no input, initializer or node provides`,
      };
    }
    const proto = pending.splice(at, 1)[0]!;
    const domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    const opset = opsets.get(domain);
    const node = new OnnxNode(proto, opset ?? 0);
    const index = indexOf.get(proto)!;
    node.trees = trees?.get(index);
    const compiler = kernelFor(domain, node.opType);
    if (!compiler) return { ok: false, reason: `${node.label} is not supported${domain ? ` (domain ${domain})` : ''}` };
    if (opset === undefined)
      return { ok: false, reason: `${node.label} belongs to domain "${domain || 'ai.onnx'}", which the model imports no opset for` };
    // A node with the image's trees passed this check when the build compiled these bytes (asking would read
    // every attribute).
    if (node.trees === undefined && node.hasGraphAttribute())
      return { ok: false, reason: `${node.label} has a subgraph, which is not supported` };
    const kernel = compiler(
      node,
      node.inputs.map((i) => (i === '' ? undefined : types.get(i))),
    );
    if (!kernel.ok) return { ok: false, reason: kernel.reason };
    if (trees && node.trees) trees.set(index, node.trees);
    node.outputs.forEach((name, i) => {
      const t = kernel.outputs[i];
      if (name !== '' && t) types.set(name, t);
    });
    steps.push({
      run: kernel.run,
      inputs: node.inputs.map((i) => (i === '' ? -1 : slotOf(i))),
      outputs: node.outputs.map((o) => (o === '' ? -1 : slotOf(o))),
    });
  }

  const outputSlots = new Map<string, number>();
  for (const o of outputs) {
    const t = types.get(o.name);
    if (!t) return { ok: false, reason: `output "${o.name}" is not produced by any node` };
    if (t.dtype !== o.value.dtype)
      return { ok: false, reason: `output "${o.name}" is declared ${o.value.dtype} but computes as ${t.dtype}` };
    outputSlots.set(o.name, slotOf(o.name));
  }

  const plan: Plan = {
    slotCount: slots.size,
    constants,
    inputs,
    steps,
    outputs: outputSlots,
    signatures: {
      inputs: inputSignatures,
      outputs: outputs.map((o) => ({ name: o.name, type: o.value.dtype, dims: signatureDims(o.dims, types.get(o.name)?.dims) })),
    },
  };
  return { ok: true, session: new CompiledSession(plan) };
}
