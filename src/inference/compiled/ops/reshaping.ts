/**
 * The ai.onnx operators that only change dims, never data: Reshape (shape from a constant, with 0 and −1),
 * Flatten, Squeeze, Unsqueeze (axes from the attribute before opset 13, from a constant input from 13) and
 * Identity. Outputs share their input's data; kernels never write to their inputs.
 */
import { KernelRunError, refuse, type CompiledKernel, type KernelCompiler, type ValueType } from '../kernel.ts';
import type { OnnxNode } from '../onnx-node.ts';
import { multiplyDims, type Dim } from '../shape-inference.ts';
import { normalizeAxis, sizeOf } from '../tensor-util.ts';

/** A kernel whose output is its first input with other dims. */
function view(input: ValueType, dims: readonly Dim[] | undefined, reshape: (inputDims: readonly number[]) => number[]): CompiledKernel {
  return {
    ok: true,
    outputs: [{ dtype: input.dtype, ...(dims ? { dims } : {}) }],
    run: ([x]) => [{ dtype: x!.dtype, data: x!.data, dims: reshape(x!.dims) }],
  };
}

/** The int64 values of a constant input (a Reshape shape, Squeeze/Unsqueeze axes). */
function constantInts(input: ValueType | undefined): number[] | undefined {
  const c = input?.constant;
  if (c?.dtype !== 'int64') return undefined;
  return Array.from(c.data as BigInt64Array, Number);
}

export const compileReshape: KernelCompiler = (node, inputs) => {
  const [input, shapeInput] = inputs;
  if (!input) return refuse(node, 'has no input');
  const shape = constantInts(shapeInput);
  if (!shape) return refuse(node, 'takes its shape from a value computed at run time (only constant shapes are supported)');
  const allowZero = node.opset >= 14 && node.int('allowzero', 0) === 1;
  if (shape.filter((d) => d === -1).length > 1) return refuse(node, 'has more than one -1 in its shape');
  const target = (dims: readonly number[]): number[] => {
    const out = shape.map((d, i) => (d === 0 && !allowZero ? dims[i]! : d));
    const known = out.reduce((n, d) => (d === -1 ? n : n * d), 1);
    const total = sizeOf(dims);
    const inferred = out.indexOf(-1);
    if (inferred >= 0) {
      if (known === 0 || total % known !== 0)
        throw new KernelRunError(node, `cannot reshape [${dims.join(', ')}] to [${shape.join(', ')}]`);
      out[inferred] = total / known;
    }
    if (sizeOf(out) !== total || out.some((d) => d === undefined || d < 0))
      throw new KernelRunError(node, `cannot reshape [${dims.join(', ')}] to [${shape.join(', ')}]`);
    return out;
  };
  // ONNX's inference: 0 copies the input dim; −1 is the ratio of the known input and output products, where
  // symbolic dims copied by a 0 cancel out.
  const copied = (i: number) => shape[i] === 0 && !allowZero;
  const dims: Dim[] = shape.map((d, i) => (copied(i) ? (input.dims?.[i] ?? null) : d === -1 ? null : d));
  const minus = shape.indexOf(-1);
  if (minus >= 0 && input.dims) {
    let inputProduct = 1;
    let outputProduct = 1;
    let known = true;
    input.dims.forEach((d, i) => {
      if (typeof d === 'number') inputProduct *= d;
      else if (!copied(i)) known = false;
    });
    dims.forEach((d, i) => {
      if (i === minus) return;
      if (typeof d === 'number') outputProduct *= d;
      else if (!copied(i)) known = false;
    });
    if (known && outputProduct > 0) dims[minus] = inputProduct / outputProduct;
  }
  return view(input, dims, target);
};

export const compileFlatten: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  const axisAttr = node.int('axis', 1);
  const at = (rank: number): number | undefined => (axisAttr === rank ? rank : normalizeAxis(axisAttr, rank));
  const flatten = (dims: readonly number[]): number[] => {
    const axis = at(dims.length);
    if (axis === undefined) throw new KernelRunError(node, `has axis ${axisAttr} for rank ${dims.length}`);
    return [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis))];
  };
  let dims: Dim[] | undefined;
  if (input.dims) {
    const axis = at(input.dims.length);
    if (axis === undefined) return refuse(node, `has axis ${axisAttr} for rank ${input.dims.length}`);
    dims = [multiplyDims(input.dims.slice(0, axis)), multiplyDims(input.dims.slice(axis))];
  }
  return view(input, dims, flatten);
};

function axesOf(node: OnnxNode, inputs: readonly (ValueType | undefined)[]): { axes?: number[]; reason?: string } {
  if (node.opset < 13) return node.has('axes') ? { axes: node.ints('axes') } : {};
  if (!inputs[1]) return {};
  const axes = constantInts(inputs[1]);
  return axes ? { axes } : { reason: 'takes its axes from a value computed at run time (only constant axes are supported)' };
}

export const compileSqueeze: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  const { axes, reason } = axesOf(node, inputs);
  if (reason) return refuse(node, reason);
  const squeeze = <D extends Dim>(dims: readonly D[], strict: boolean): D[] | undefined => {
    if (!axes) return dims.filter((d) => d !== 1);
    const drop = new Set<number>();
    for (const a of axes) {
      const axis = normalizeAxis(a, dims.length);
      if (axis === undefined || (strict && dims[axis] !== 1)) return undefined;
      drop.add(axis);
    }
    return dims.filter((_, i) => !drop.has(i));
  };
  let dims: Dim[] | undefined;
  // Without axes ONNX infers a shape only when every dim is a known value.
  if (input.dims && (axes || input.dims.every((d) => typeof d === 'number'))) {
    dims = squeeze(input.dims, false);
    if (!dims) return refuse(node, `has axes [${axes?.join(', ')}] for rank ${input.dims.length}`);
  }
  return view(input, dims, (d) => {
    const out = squeeze(d, true);
    if (!out) throw new KernelRunError(node, `cannot squeeze axes [${axes?.join(', ')}] of [${d.join(', ')}]`);
    return out;
  });
};

export const compileUnsqueeze: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  const { axes, reason } = axesOf(node, inputs);
  if (reason) return refuse(node, reason);
  if (!axes || axes.length === 0) return refuse(node, 'has no axes');
  const unsqueeze = <D extends Dim>(dims: readonly D[]): (D | 1)[] | undefined => {
    const rank = dims.length + axes.length;
    const at = new Set<number>();
    for (const a of axes) {
      const axis = normalizeAxis(a, rank);
      if (axis === undefined || at.has(axis)) return undefined;
      at.add(axis);
    }
    const out: (D | 1)[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : dims[next++]!);
    return out;
  };
  let dims: Dim[] | undefined;
  if (input.dims) {
    dims = unsqueeze(input.dims);
    if (!dims) return refuse(node, `has axes [${axes.join(', ')}] for rank ${input.dims.length}`);
  }
  return view(input, dims, (d) => unsqueeze(d) as number[]);
};

export const compileIdentity: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  return view(input, input.dims, (d) => [...d]);
};
