/**
 * ai.onnx Concat along any axis (negative counts from the end) of inputs of one element type.
 */
import type { Tensor } from '../../../model/tensor.ts';
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { mergeDims, type Dim } from '../shape-inference.ts';
import { allocate, normalizeAxis } from '../tensor-util.ts';

export const compileConcat: KernelCompiler = (node, inputs) => {
  if (inputs.length === 0 || inputs.some((i) => !i)) return refuse(node, 'has a missing input');
  const types = inputs as readonly NonNullable<(typeof inputs)[number]>[];
  const dtype = types[0]!.dtype;
  if (types.some((t) => t.dtype !== dtype)) return refuse(node, `concatenates ${[...new Set(types.map((t) => t.dtype))].join(' and ')}`);
  if (!node.has('axis')) return refuse(node, 'has no axis');
  const axisAttr = node.int('axis', 0);
  const rank = types.find((t) => t.dims)?.dims?.length;
  let dims: Dim[] | undefined;
  if (rank !== undefined && types.every((t) => t.dims?.length === rank)) {
    const axis = normalizeAxis(axisAttr, rank);
    if (axis === undefined) return refuse(node, `has axis ${axisAttr} for rank ${rank}`);
    const along = types.map((t) => t.dims![axis]!);
    dims = types[0]!.dims!.map((_, i) =>
      i === axis
        ? along.every((d) => typeof d === 'number')
          ? along.reduce<number>((n, d) => n + (d as number), 0)
          : null
        : mergeDims(types.map((t) => t.dims![i]!)),
    );
  }

  return {
    ok: true,
    outputs: [{ dtype, ...(dims ? { dims } : {}) }],
    run: (values) => {
      const xs = values as Tensor[];
      const first = xs[0]!;
      const rank = first.dims.length;
      const axis = normalizeAxis(axisAttr, rank);
      if (axis === undefined) throw new KernelRunError(node, `has axis ${axisAttr} for rank ${rank}`);
      let outer = 1;
      for (let d = 0; d < axis; d++) outer *= first.dims[d]!;
      let inner = 1;
      for (let d = axis + 1; d < rank; d++) inner *= first.dims[d]!;
      let along = 0;
      const chunks = new Array<number>(xs.length);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        if (x.dims.length !== rank || x.dims.some((d, k) => k !== axis && d !== first.dims[k])) {
          throw new KernelRunError(node, `cannot concatenate [${first.dims.join(', ')}] and [${x.dims.join(', ')}] on axis ${axis}`);
        }
        along += x.dims[axis]!;
        chunks[i] = x.dims[axis]! * inner;
      }
      const chunk = along * inner;
      const out = allocate(dtype, outer * chunk);
      if (Array.isArray(out)) {
        for (let o = 0, at = 0; o < outer; o++) {
          for (let i = 0; i < xs.length; i++) {
            const data = xs[i]!.data as string[];
            const n = chunks[i]!;
            for (let j = 0; j < n; j++) out[at++] = data[o * n + j]!;
          }
        }
      } else {
        const target = out as Float32Array;
        for (let o = 0, at = 0; o < outer; o++) {
          for (let i = 0; i < xs.length; i++) {
            const data = xs[i]!.data as Float32Array;
            const n = chunks[i]!;
            // Short chunks (a column per row) copy faster element by element than through subarray views.
            if (n < 16) for (let j = 0; j < n; j++) target[at + j] = data[o * n + j]!;
            else target.set(data.subarray(o * n, o * n + n), at);
            at += n;
          }
        }
      }
      const outDims = first.dims.slice();
      outDims[axis] = along;
      return [{ dtype, data: out, dims: outDims }];
    },
  };
};
