/**
 * The bundled WASM tree walker as a module: what `vigil prepare` writes is what its source assembles to, it needs
 * no imports, and it falls back to JavaScript where it cannot take a batch. Its walks are checked against the
 * JavaScript walks and ONNX Runtime in tree-ensemble.test.ts ("interleaved walks …, wasm walker").
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TREE_WALKER_WASM } from '../../../cli/models-index.ts';
import { assembleTreeWalker } from '../../../cli/lib/tree-walker-wat.ts';
import {
  type CompleteTrees,
  type LinkedTrees,
  useTreeWalker,
  wasmLinkedWalker,
  wasmWalker,
  wasmWalkersStarted,
} from '../../../src/inference/compiled/ops/tree-walker.ts';

/** One tree of height 1 on feature 0 (x ≤ 0.5 → slot 1, else slot 2), as completeLeqLeaves lays it out. */
const stump: CompleteTrees = {
  feature: new Uint8Array([0]),
  threshold: new Float32Array([0.5]),
  step: new Int32Array([1]),
  toLeaf: new Int32Array([-1]),
  leafNode: new Int32Array([7, 8]),
  trees: 1,
  height: 1,
  branchesPerTree: 1,
};

afterEach(() => useTreeWalker(null));

describe('the WASM tree walker', () => {
  it('is what vigil prepare wrote: the current source, assembled', async () => {
    expect(new Uint8Array(readFileSync(TREE_WALKER_WASM))).toEqual(await assembleTreeWalker());
  });

  it('imports nothing and exports its memory, a sum and a leaves walk per feature id width, and the linked walk', async () => {
    const module = new WebAssembly.Module(await assembleTreeWalker());
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(
      WebAssembly.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual([
      'leaves_rows_u16',
      'leaves_rows_u32',
      'leaves_rows_u8',
      'linked_rows',
      'memory',
      'sum_rows_u16',
      'sum_rows_u32',
      'sum_rows_u8',
    ]);
  });

  it('starts only with a module and float32 thresholds, and counts the walkers it starts', async () => {
    expect(wasmWalker(stump)).toBeNull();
    useTreeWalker(new WebAssembly.Module(await assembleTreeWalker()));
    expect(wasmWalker({ ...stump, threshold: new Float64Array([0.5]) })).toBeNull();
    const before = wasmWalkersStarted();
    const walker = wasmWalker(stump)!;
    expect(wasmWalkersStarted()).toBe(before + 1);
    const x = Float32Array.of(0.5, Number.NaN, -1, 0.75, 0.25, Number.POSITIVE_INFINITY);
    // ≤ 0.5 goes true (slot 1, leaf 7); NaN and above go false (slot 2, leaf 8).
    expect(Array.from(walker.leaves(x, 6, 1)!)).toEqual([7, 8, 7, 8, 7, 8]);
    const acc = Float64Array.of(1, 1, 1, 1, 1, 1);
    expect(walker.sum(x, 6, 1, Float32Array.of(0.5, 0.25), acc)).toBe(true);
    expect(Array.from(acc)).toEqual([1.5, 1.25, 1.5, 1.25, 1.5, 1.25]);
    // Leaf values that are not float32 are left to JavaScript.
    expect(walker.sum(x, 6, 1, Float64Array.of(0.1, 0.2), acc)).toBe(false);
    expect(Array.from(acc)).toEqual([1.5, 1.25, 1.5, 1.25, 1.5, 1.25]);
  });

  it('walks linked trees to the node each row reaches, as deep as each tree is', async () => {
    // Tree 0: a stump (x ≤ 0.5 → node 1, else node 2). Tree 1: node 3 splits x ≤ −1 → leaf 4, else node 5, which
    // splits x ≤ 2 → leaf 6, else leaf 7. Leaves read feature 0 against +∞ and are their own children.
    const linked: LinkedTrees = {
      feature: new Int32Array(8),
      threshold: Float32Array.of(
        0.5,
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        -1,
        Number.POSITIVE_INFINITY,
        2,
        ...[1, 1].map(() => Number.POSITIVE_INFINITY),
      ),
      kids: Int32Array.of(1, 2, 1, 1, 2, 2, 4, 5, 4, 4, 6, 7, 6, 6, 7, 7),
      roots: Int32Array.of(0, 3),
      heights: Int32Array.of(1, 2),
    };
    expect(wasmLinkedWalker(linked)).toBeNull();
    useTreeWalker(new WebAssembly.Module(await assembleTreeWalker()));
    expect(wasmLinkedWalker({ ...linked, threshold: Float64Array.from(linked.threshold) })).toBeNull();
    const before = wasmWalkersStarted();
    const walk = wasmLinkedWalker(linked)!;
    expect(wasmWalkersStarted()).toBe(before + 1);
    const x = Float32Array.of(-2, 0.5, 1, 3, Number.NaN, -1, 2, 2.5, 0);
    const leaves = Array.from(walk(x, 9, 1)!);
    expect(leaves.slice(0, 9)).toEqual([1, 1, 2, 2, 2, 1, 2, 2, 1]);
    expect(leaves.slice(9)).toEqual([4, 6, 6, 7, 7, 4, 6, 7, 6]);
  });

  it('grows its memory for a large batch, and gives a batch it cannot hold back to JavaScript', async () => {
    useTreeWalker(new WebAssembly.Module(await assembleTreeWalker()));
    const walker = wasmWalker(stump)!;
    // 2^18 rows of 20 values: 20 MB of rows, far past the memory's first page.
    const width = 20;
    const rows = 1 << 18;
    const x = new Float32Array(rows * width).map((_, i) => (i % width === 0 ? (i / width) % 2 : 0));
    const leaves = walker.leaves(x, rows, width)!;
    expect([leaves[0], leaves[1], leaves[rows - 1]]).toEqual([7, 8, 8]);
    // More than a 32-bit memory holds (4 GiB): no room, nothing walked.
    const huge = { length: 2 ** 30 + 1, subarray: () => x } as unknown as Float32Array;
    expect(walker.leaves(huge, 2 ** 30 + 1, 1)).toBeNull();
    expect(walker.sum(huge, 2 ** 30 + 1, 1, Float32Array.of(1, 2), new Float64Array(1))).toBe(false);
  });
});
