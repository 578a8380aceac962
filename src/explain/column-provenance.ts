/**
 * Which original feature each value of a tensor comes from, traced from the graph inputs (whose columns the
 * manifest's encoding assigns to features) through the preprocessing nodes exporters put before an estimator:
 * Cast, Identity, Scaler, Imputer, LabelEncoder, OneHotEncoder, Concat, Reshape, Flatten, Squeeze, Unsqueeze,
 * ArrayFeatureExtractor, arithmetic with constants. A value fed by several features is `MIXED`; a constant is
 * `CONSTANT`. Exact attribution (TreeSHAP, linear) needs every estimator column to come from one feature.
 *
 * @example
 * const traced = traceColumns(graph, manifest, 'transformed_column');
 * if (traced.ok) traced.columns.features; // Int32Array: feature index per column of [N, F]
 */
import { modelInputs, type Encoding } from '../model/manifest.ts';
import type { Tensor } from '../model/tensor.ts';
import type { OnnxNode } from '../inference/compiled/onnx-node.ts';
import { constantNumbers, type OnnxGraph } from './onnx-graph.ts';

export const CONSTANT = -1;
export const MIXED = -2;

/** A tensor's values per row: its dims after the batch dim, and the feature index of each value (row-major). */
export interface TracedColumns {
  readonly dims: readonly number[];
  readonly features: Int32Array;
}

export type TraceResult = { ok: true; columns: TracedColumns } | { ok: false; reason: string };

type Traced = TraceResult | { ok: true; constant: Tensor };

/** What tracing needs of the manifest: feature names and how they fill the inputs. */
export interface TraceManifest {
  readonly features: readonly { name: string }[];
  readonly encoding: Encoding;
}

export function traceColumns(graph: OnnxGraph, manifest: TraceManifest, tensor: string): TraceResult {
  const featureIndex = new Map(manifest.features.map((f, i) => [f.name, i]));
  const memo = new Map<string, Traced>();
  for (const input of modelInputs(manifest.encoding)) {
    const features: number[] = [];
    for (const c of input.columns) {
      const width = c.transform === 'one_hot' ? c.categories.length : 1;
      for (let k = 0; k < width; k++) features.push(featureIndex.get(c.feature) ?? MIXED);
    }
    memo.set(input.name, { ok: true, columns: { dims: input.rank === 1 ? [] : [features.length], features: Int32Array.from(features) } });
  }
  for (const [name, constant] of graph.constants) if (!memo.has(name)) memo.set(name, { ok: true, constant });

  const trace = (name: string, depth: number): Traced => {
    const known = memo.get(name);
    if (known) return known;
    const node = graph.producer.get(name);
    let result: Traced;
    if (!node) result = { ok: false, reason: `"${name}" is a graph input the manifest's encoding does not fill` };
    else if (depth > 10_000) result = { ok: false, reason: 'the graph is too deep to trace' };
    else result = traceNode(node, (input) => trace(input, depth + 1));
    memo.set(name, result);
    return result;
  };
  const result = trace(tensor, 0);
  if (result.ok && 'constant' in result) return { ok: false, reason: `"${tensor}" is a constant` };
  return result;
}

const ELEMENTWISE = new Set(['Identity', 'Cast', 'Scaler', 'Imputer', 'LabelEncoder', 'Relu', 'Sigmoid', 'Tanh']);
const ROW_MIXING = new Set(['Normalizer', 'Softmax']);

function traceNode(node: OnnxNode, trace: (name: string) => Traced): Traced {
  const refuse = (why: string): Traced => ({ ok: false, reason: `${node.label} ${why}` });
  const columnsOf = (i: number): TracedColumns | Traced => {
    const name = node.inputs[i];
    if (name === undefined || name === '') return refuse(`has no input ${i}`);
    const t = trace(name);
    if (!t.ok) return t;
    if ('constant' in t) return refuse(`reads the constant "${name}" where the attribution expects data`);
    return t.columns;
  };
  const isColumns = (v: TracedColumns | Traced): v is TracedColumns => 'features' in v;
  const ok = (dims: readonly number[], features: Int32Array): Traced => ({ ok: true, columns: { dims, features } });
  const op = node.opType;

  if (ELEMENTWISE.has(op)) {
    const x = columnsOf(0);
    return isColumns(x) ? ok(x.dims, x.features) : x;
  }
  if (ROW_MIXING.has(op)) {
    const x = columnsOf(0);
    return isColumns(x) ? ok(x.dims, new Int32Array(x.features.length).fill(union(x.features))) : x;
  }
  switch (op) {
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return traceBinary(node, trace, refuse);
    case 'Concat': {
      const parts: TracedColumns[] = [];
      for (let i = 0; i < node.inputs.length; i++) {
        const x = columnsOf(i);
        if (!isColumns(x)) return x;
        parts.push(x);
      }
      return concat(parts, node.int('axis', 0), refuse);
    }
    case 'Reshape': {
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const shapeInput = trace(node.inputs[1] ?? '');
      const shape = shapeInput.ok && 'constant' in shapeInput ? constantNumbers(shapeInput.constant) : undefined;
      if (!shape) return refuse('takes a shape computed at run time');
      const dims = reshapedDims(x, Array.from(shape), node.opset >= 14 && node.int('allowzero', 0) === 1);
      return dims ? ok(dims, x.features) : refuse(`reshapes [N, ${x.dims.join(', ')}] to [${Array.from(shape).join(', ')}], mixing rows`);
    }
    case 'Flatten': {
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const axis = node.int('axis', 1);
      if (axis !== 1 && axis !== -(x.dims.length + 1) + 1) return refuse(`flattens from axis ${axis}, mixing rows`);
      return ok([x.features.length], x.features);
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const axes = axesOf(node, trace);
      if (axes === undefined) return refuse('takes axes computed at run time');
      const dims = op === 'Squeeze' ? squeezedDims(x.dims, axes) : unsqueezedDims(x.dims, axes);
      return dims ? ok(dims, x.features) : refuse(`${op === 'Squeeze' ? 'squeezes' : 'unsqueezes'} the batch axis`);
    }
    case 'OneHotEncoder': {
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const k = node.strings('cats_strings').length + node.ints('cats_int64s').length;
      const features = new Int32Array(x.features.length * k);
      for (let i = 0; i < x.features.length; i++) features.fill(x.features[i]!, i * k, (i + 1) * k);
      return ok([...x.dims, k], features);
    }
    case 'ArrayFeatureExtractor': {
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const indexInput = trace(node.inputs[1] ?? '');
      const picks = indexInput.ok && 'constant' in indexInput ? constantNumbers(indexInput.constant) : undefined;
      if (!picks) return refuse('takes indices computed at run time');
      if (x.dims.length === 0) return refuse('reads a tensor without columns');
      const stride = x.dims[x.dims.length - 1]!;
      const outer = x.features.length / Math.max(stride, 1);
      const features = new Int32Array(outer * picks.length);
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < picks.length; j++) features[o * picks.length + j] = x.features[o * stride + picks[j]!] ?? MIXED;
      return ok([...x.dims.slice(0, -1), picks.length], features);
    }
    case 'MatMul':
    case 'Gemm': {
      // Every output column may read every input column of its row.
      const x = columnsOf(0);
      if (!isColumns(x)) return x;
      const weights = trace(node.inputs[1] ?? '');
      if (!weights.ok || !('constant' in weights) || weights.constant.dims.length !== 2 || x.dims.length !== 1)
        return refuse('multiplies by weights that are not a constant matrix');
      const transB = op === 'Gemm' && node.int('transB', 0) !== 0;
      const width = weights.constant.dims[transB ? 0 : 1]!;
      return ok([width], new Int32Array(width).fill(union(x.features)));
    }
    default:
      return refuse('is not an operator the attribution can be traced through');
  }
}

/** The one feature all values come from, CONSTANT when none, MIXED when several. */
function union(features: Int32Array): number {
  let out = CONSTANT;
  for (const f of features) {
    if (f === CONSTANT || f === out) continue;
    if (out === CONSTANT) out = f;
    else return MIXED;
  }
  return out;
}

function traceBinary(node: OnnxNode, trace: (name: string) => Traced, refuse: (why: string) => Traced): Traced {
  const a = trace(node.inputs[0] ?? '');
  const b = trace(node.inputs[1] ?? '');
  if (!a.ok) return a;
  if (!b.ok) return b;
  const aConst = 'constant' in a;
  const bConst = 'constant' in b;
  if (aConst && bConst) return refuse('computes a constant');
  if (aConst !== bConst) {
    const data = (aConst ? b : a) as { ok: true; columns: TracedColumns };
    const constant = (aConst ? a : b) as { ok: true; constant: Tensor };
    // The constant must broadcast into the data's shape without enlarging it.
    const full = [0, ...data.columns.dims];
    const cdims = constant.constant.dims;
    if (cdims.length > full.length) return refuse('broadcasts a constant to more dimensions than its data');
    for (let i = 1; i <= cdims.length; i++) {
      const c = cdims[cdims.length - i]!;
      const position = full.length - i;
      if (position === 0 ? c !== 1 : c !== 1 && c !== full[position]) return refuse('broadcasts a constant that does not fit its data');
    }
    return { ok: true, columns: data.columns };
  }
  const x = (a as { ok: true; columns: TracedColumns }).columns;
  const y = (b as { ok: true; columns: TracedColumns }).columns;
  if (x.dims.length !== y.dims.length || x.dims.some((d, i) => d !== y.dims[i])) return refuse('combines two tensors of different shapes');
  const features = new Int32Array(x.features.length);
  for (let i = 0; i < features.length; i++) features[i] = union(Int32Array.of(x.features[i]!, y.features[i]!));
  return { ok: true, columns: { dims: x.dims, features } };
}

function concat(parts: readonly TracedColumns[], axis: number, refuse: (why: string) => Traced): Traced {
  const first = parts[0];
  if (!first) return refuse('has no inputs');
  const rank = first.dims.length + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a <= 0 || a >= rank) return refuse(`concatenates along axis ${axis}, the batch axis or beyond`);
  const at = a - 1;
  for (const p of parts) {
    if (p.dims.length !== first.dims.length || p.dims.some((d, i) => i !== at && d !== first.dims[i]))
      return refuse('concatenates tensors of different shapes');
  }
  const outer = first.dims.slice(0, at).reduce((n, d) => n * d, 1);
  const inner = first.dims.slice(at + 1).reduce((n, d) => n * d, 1);
  const total = parts.reduce((n, p) => n + p.dims[at]!, 0);
  const features = new Int32Array(outer * total * inner);
  let w = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const block = p.dims[at]! * inner;
      features.set(p.features.subarray(o * block, (o + 1) * block), w);
      w += block;
    }
  }
  const dims = [...first.dims];
  dims[at] = total;
  return { ok: true, columns: { dims, features } };
}

/** Dims after the batch dim of a Reshape to `shape`, when it keeps rows apart (the batch dim stays first). */
function reshapedDims(x: TracedColumns, shape: readonly number[], allowZero: boolean): number[] | undefined {
  const size = x.features.length;
  if (shape.length === 0) return undefined;
  const full = [-2, ...x.dims];
  const resolved = shape.map((d, i) => (d === 0 && !allowZero ? full[i] : d));
  if (resolved.some((d) => d === undefined)) return undefined;
  const [batch, ...rest] = resolved as number[];
  if (batch !== -2 && batch !== -1 && !(batch! > 0)) return undefined;
  const minus = rest.indexOf(-1);
  if (batch === -1 && minus >= 0) return undefined;
  const known = rest.reduce((n, d) => (d === -1 ? n : n * d), 1);
  if (minus >= 0) {
    if (known === 0 || size % known !== 0) return undefined;
    rest[minus] = size / known;
  } else if (known !== size) return undefined;
  return rest;
}

function axesOf(node: OnnxNode, trace: (name: string) => Traced): number[] | undefined {
  if (node.has('axes')) return node.ints('axes');
  const name = node.inputs[1];
  if (name === undefined || name === '') return [];
  const t = trace(name);
  const values = t.ok && 'constant' in t ? constantNumbers(t.constant) : undefined;
  return values ? Array.from(values) : undefined;
}

function squeezedDims(dims: readonly number[], axes: readonly number[]): number[] | undefined {
  const rank = dims.length + 1;
  if (axes.length === 0) return dims.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  if (drop.has(0)) return undefined;
  return dims.filter((d, i) => !(drop.has(i + 1) && d === 1));
}

function unsqueezedDims(dims: readonly number[], axes: readonly number[]): number[] | undefined {
  const rank = dims.length + 1 + axes.length;
  const insert = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  if (insert.has(0)) return undefined;
  const out: number[] = [];
  let k = 0;
  for (let i = 1; i < rank; i++) out.push(insert.has(i) ? 1 : dims[k++]!);
  return out;
}
