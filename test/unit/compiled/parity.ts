/**
 * Parity harness: builds ONNX graphs with chosen opsets, runs them on ONNX Runtime Web (the reference, its
 * WASM build in Node) and on the compiled evaluator with the same feeds, and compares every output: labels and
 * integers identical, floats within abs 1e-6 + rel 1e-6 (NaN only against NaN). Also a seeded PRNG and the
 * awkward float inputs parity must survive.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { expect } from 'vitest';
import { NodeOrtRuntime } from '../../../cli/lib/ort-node-runtime.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import type { ModelSession } from '../../../src/inference/model-runtime.ts';
import type { OutputTensor, Tensor } from '../../../src/model/tensor.ts';
import { expectReaderMatchesOnnxProto } from './proto-equivalence.ts';

const { onnx } = onnxProto;

export const ML = { domain: 'ai.onnx.ml' };
export const ort = new NodeOrtRuntime();

export const TOLERANCE = { abs: 1e-6, rel: 1e-6 };

export interface GraphParts {
  nodes: Onnx.INodeProto[];
  inputs: Onnx.IValueInfoProto[];
  outputs: Onnx.IValueInfoProto[];
  initializers?: Onnx.ITensorProto[];
  /** ai.onnx opset (default 17) and ai.onnx.ml opset (default 3; 0 leaves the domain out). */
  opset?: number;
  mlOpset?: number;
}

/**
 * A model with the opsets asked for (cli/onnx/proto.ts's encodeModel fixes them at 17 and 3). Every graph built
 * here is also read by onnx-reader.ts and checked against onnx-proto's decode, so the reader sees every graph
 * the parity tests use.
 */
export function graph(parts: GraphParts): Uint8Array {
  const opsetImport = [{ domain: '', version: parts.opset ?? 17 }];
  if ((parts.mlOpset ?? 3) > 0) opsetImport.push({ domain: 'ai.onnx.ml', version: parts.mlOpset ?? 3 });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vigil-tests',
    opsetImport,
    graph: { name: 'parity', node: parts.nodes, input: parts.inputs, output: parts.outputs, initializer: parts.initializers ?? [] },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  expectReaderMatchesOnnxProto(bytes, 'graph built by the parity harness');
  return bytes;
}

/** mulberry32: a small seeded PRNG, so every run draws the same inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * A float that stresses comparisons and arithmetic: mostly uniform in ±range, sometimes one of `exact` (values
 * equal to thresholds), NaN, ±0, a large magnitude or a value next to an exact one.
 */
export function awkwardFloat(random: () => number, range: number, exact: readonly number[] = [], nanRate = 0.08): number {
  const r = random();
  if (r < nanRate) return Number.NaN;
  if (r < nanRate + 0.04) return -0;
  if (r < nanRate + 0.06) return 0;
  if (r < nanRate + 0.09) return (random() < 0.5 ? -1 : 1) * 10 ** (10 + random() * 25);
  if (exact.length > 0 && r < nanRate + 0.3) {
    const e = pick(random, exact);
    const nudge = random();
    return nudge < 0.6 ? e : Math.fround(e + (nudge < 0.8 ? 1 : -1) * Math.abs(e || 1) * 2 ** -23);
  }
  return Math.fround((random() * 2 - 1) * range);
}

export function floats(count: number, make: () => number): Float32Array {
  return Float32Array.from({ length: count }, make);
}

/** Largest |a − b| and relative difference seen per output, for the parity report. */
export interface OutputDifference {
  maxAbs: number;
  maxRel: number;
}

export const parityReport = new Map<string, OutputDifference>();

function record(label: string, abs: number, rel: number): void {
  const seen = parityReport.get(label) ?? { maxAbs: 0, maxRel: 0 };
  parityReport.set(label, { maxAbs: Math.max(seen.maxAbs, abs), maxRel: Math.max(seen.maxRel, rel) });
}

/** Asserts two runs agree (see the module comment) and records the largest float difference under `label`. */
export function expectSameOutputs(
  label: string,
  expected: Record<string, OutputTensor>,
  actual: Record<string, OutputTensor>,
  tolerance = TOLERANCE,
): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name]!;
    expect(a.type, `${label}: type of ${name}`).toBe(e.type);
    expect([...a.dims], `${label}: dims of ${name}`).toEqual([...e.dims]);
    expect(a.data.constructor, `${label}: array of ${name}`).toBe(e.data.constructor);
    expect(a.data.length).toBe(e.data.length);
    if (e.type !== 'float32' && e.type !== 'float64') {
      for (let i = 0; i < e.data.length; i++) {
        if (a.data[i] !== e.data[i]) expect(`${String(a.data[i])} at ${i}`, `${label}: ${name}`).toBe(`${String(e.data[i])} at ${i}`);
      }
      continue;
    }
    let maxAbs = 0;
    let maxRel = 0;
    for (let i = 0; i < e.data.length; i++) {
      const x = e.data[i] as number;
      const y = a.data[i] as number;
      if (x !== x || y !== y) {
        if (!(x !== x && y !== y)) expect(`${y} at ${i}`, `${label}: ${name} (NaN mismatch)`).toBe(`${x} at ${i}`);
        continue;
      }
      if (x === y) continue;
      const diff = Math.abs(x - y);
      maxAbs = Math.max(maxAbs, diff);
      maxRel = Math.max(maxRel, diff / Math.max(Math.abs(x), Math.abs(y)));
      if (!(diff <= tolerance.abs + tolerance.rel * Math.max(Math.abs(x), Math.abs(y)))) {
        expect(`${y} at ${i}`, `${label}: ${name} differs by ${diff}`).toBe(`${x} at ${i}`);
      }
    }
    record(`${label} › ${name}`, maxAbs, maxRel);
  }
}

export function compiled(bytes: Uint8Array): ModelSession {
  const result = compileOnnx(bytes);
  if (!result.ok) throw new Error(`expected the graph to compile: ${result.reason}`);
  return result.session;
}

/** Rows [start, start + count) of a row-major tensor with `width` values per row. */
export function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const width = t.dims.slice(1).reduce((n, d) => n * d, 1);
  const data = t.data.slice(start * width, (start + count) * width) as Tensor['data'];
  return { dtype: t.dtype, data, dims: [count, ...t.dims.slice(1)] };
}

/**
 * Runs a graph on both engines: once on the whole batch, then row by row for the first `singleRows` rows
 * (single-row runs are the serving hot path, and some ORT kernels pick their code path by batch size).
 */
export async function expectParity(
  label: string,
  bytes: Uint8Array,
  feeds: Record<string, Tensor>,
  options: { singleRows?: number; tolerance?: typeof TOLERANCE } = {},
): Promise<void> {
  const reference = await ort.createSession(bytes);
  const session = compiled(bytes);
  try {
    expect(session.inputs).toEqual(reference.inputs);
    expect(session.outputs).toEqual(reference.outputs);
    const names = reference.outputs.map((o) => o.name);
    expectSameOutputs(label, await reference.run(feeds, names), await session.run(feeds, names), options.tolerance);
    const rows = Object.values(feeds)[0]!.dims[0] ?? 0;
    for (let r = 0; r < Math.min(options.singleRows ?? 20, rows); r++) {
      const one = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims[0] === rows ? sliceRows(t, r, 1) : t]));
      expectSameOutputs(label, await reference.run(one, names), await session.run(one, names), options.tolerance);
    }
  } finally {
    await reference.release();
  }
}

/** Runs a graph whose batch is fixed (or that has no batch) on both engines for many independent draws. */
export async function expectParityOnDraws(label: string, bytes: Uint8Array, draws: readonly Record<string, Tensor>[]): Promise<void> {
  const reference = await ort.createSession(bytes);
  const session = compiled(bytes);
  try {
    expect(session.inputs).toEqual(reference.inputs);
    expect(session.outputs).toEqual(reference.outputs);
    const names = reference.outputs.map((o) => o.name);
    for (const feeds of draws) expectSameOutputs(label, await reference.run(feeds, names), await session.run(feeds, names));
  } finally {
    await reference.release();
  }
}

/** Prints the largest differences seen (set PARITY_REPORT=1); the README's parity table comes from it. */
export function printParityReport(): void {
  if (!process.env.PARITY_REPORT) return;
  const lines = [...parityReport.entries()].map(
    ([label, d]) => `${d.maxAbs === 0 ? 'exact' : `abs ${d.maxAbs.toExponential(2)} rel ${d.maxRel.toExponential(2)}`}\t${label}`,
  );
  console.log(lines.sort().join('\n'));
}
