/**
 * The bundled WASM tree walker (assembled by `vigil prepare` from cli/lib/tree-walker-wat.ts): batches of float32
 * rows walked down complete trees, to their leaves or their leaf values' sums, exactly as completeLeqLeaves'
 * JavaScript `walk` and `sum` do, and down linked trees to their leaves as linkedLeqLeaves does, and faster.
 * Workers cannot compile WebAssembly at run time, so the Worker imports the module precompiled and hands it over
 * with useTreeWalker; without it (Node, unless a caller loads it) the JavaScript walk runs. Each ensemble gets its
 * own instance, whose memory holds a copy of its trees followed by the last batch's rows and output; like the
 * JavaScript walk's buffers, it grows with the largest batch and never shrinks.
 *
 * @example
 * import treeWalker from './inference/compiled/tree-walker.gen.wasm';
 * useTreeWalker(treeWalker);
 */

let walkerModule: WebAssembly.Module | null = null;
let started = 0;

/** The module every ensemble built from now on walks its batches with (null: JavaScript only). */
export function useTreeWalker(module: WebAssembly.Module | null): void {
  walkerModule = module;
}

/** How many ensembles have started a WASM walker in this isolate (the isolate stats' wasm_tree_walkers). */
export function wasmWalkersStarted(): number {
  return started;
}

/** A complete layout's arrays, as completeLeqLeaves builds them. */
export interface CompleteTrees {
  readonly feature: Uint8Array | Uint16Array | Int32Array;
  readonly threshold: Float32Array | Float64Array;
  readonly step: Int32Array;
  readonly toLeaf: Int32Array;
  /** Per leaf slot, its leaf node. */
  readonly leafNode: Int32Array;
  readonly trees: number;
  readonly height: number;
  readonly branchesPerTree: number;
}

/** completeLeqLeaves' batch walks, of float32 rows, in the bundled module. */
export interface WasmWalker {
  /**
   * Adds each row's leaf values (`slotValue`, per leaf slot) to acc[r], in float32, tree by tree; false (nothing
   * summed) for float64 leaf values, or when its memory cannot grow to hold the batch: the caller then walks in
   * JavaScript.
   */
  sum(x: Float32Array, rows: number, width: number, slotValue: Float32Array | Float64Array, acc: Float64Array): boolean;
  /**
   * Each row's leaf of tree t at [t * rows + r], in the walker's memory (valid until its next call); null when its
   * memory cannot grow to hold the batch.
   */
  leaves(x: Float32Array, rows: number, width: number): Int32Array | null;
}

type WalkRows = (...args: number[]) => void;

const PAGE = 65536;
const ALIGN = 64;

/**
 * A walker for these trees, or null: without a module, with float64 thresholds (double input), or when the module
 * does not instantiate (its memory cannot grow to hold the trees).
 */
export function wasmWalker(trees: CompleteTrees): WasmWalker | null {
  if (walkerModule === null || !(trees.threshold instanceof Float32Array)) return null;
  try {
    const walker = instantiate(walkerModule, trees);
    started++;
    return walker;
  } catch (error) {
    warnNotStarted(error);
    return null;
  }
}

/**
 * An instance of the module whose memory holds copies of `arrays` (and `reserved` more bytes after them), then a
 * batch's rows and output; `at[i]` is where arrays[i] starts, `reservedAt` where the reserved bytes do.
 */
function instanceWith(module: WebAssembly.Module, arrays: readonly ArrayBufferView[], reserved = 0) {
  const exports = new WebAssembly.Instance(module, {}).exports;
  const memory = exports.memory as WebAssembly.Memory;
  let end = 0;
  const place = (bytes: number) => {
    const at = align(end);
    end = at + bytes;
    return at;
  };
  const at = arrays.map((array) => place(array.byteLength));
  const reservedAt = place(reserved);
  const batch = align(end);
  ensure(memory, batch);
  arrays.forEach((array, i) => {
    new Uint8Array(memory.buffer, at[i], array.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  });
  let view = new Float32Array(memory.buffer);
  return {
    exports,
    at,
    reservedAt,
    /** Where the rows start. */
    batch,
    /** A float32 view of the whole memory (replaced when it grows). */
    view: () => view,
    /** Copies the rows in after making room for `outBytes` after them; where the output goes (−1: no room). */
    rowsIn: (x: Float32Array, rows: number, width: number, outBytes: number): number => {
      const values = rows * width;
      const out = align(batch + values * 4);
      try {
        if (ensure(memory, out + outBytes) || view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      } catch {
        return -1; // the memory cannot grow that far (RangeError)
      }
      view.set(x.length === values ? x : x.subarray(0, values), batch >> 2);
      return out;
    },
    /** `count` int32 values of the memory from byte `from`. */
    ints: (from: number, count: number) => new Int32Array(memory.buffer, from, count),
  };
}

function instantiate(module: WebAssembly.Module, trees: CompleteTrees): WasmWalker {
  const { feature, threshold, step, toLeaf, leafNode } = trees;
  // After the arrays, as many float32 slot values as leaf nodes.
  const memory = instanceWith(module, [feature, threshold, step, toLeaf, leafNode], leafNode.byteLength);
  const [featureAt, thresholdAt, stepAt, toLeafAt, leafNodeAt] = memory.at as [number, number, number, number, number];
  const valueAt = memory.reservedAt;
  const bits = feature.BYTES_PER_ELEMENT * 8;
  const sumRows = memory.exports[`sum_rows_u${bits}`] as WalkRows;
  const leavesRows = memory.exports[`leaves_rows_u${bits}`] as WalkRows;
  let valuesOf: Float32Array | undefined;
  const walk = (run: WalkRows, slot: number, rows: number, width: number, out: number) =>
    run(featureAt, thresholdAt, stepAt, toLeafAt, slot, trees.trees, trees.height, trees.branchesPerTree, memory.batch, rows, width, out);
  return {
    sum: (x, rows, width, slotValue, acc) => {
      if (!(slotValue instanceof Float32Array)) return false;
      const out = memory.rowsIn(x, rows, width, rows * 4);
      if (out < 0) return false;
      const view = memory.view();
      if (valuesOf !== slotValue) {
        view.set(slotValue.subarray(0, leafNode.length), valueAt >> 2);
        valuesOf = slotValue;
      }
      const at = out >> 2;
      for (let r = 0; r < rows; r++) view[at + r] = acc[r]!;
      walk(sumRows, valueAt, rows, width, out);
      for (let r = 0; r < rows; r++) acc[r] = view[at + r]!;
      return true;
    },
    leaves: (x, rows, width) => {
      const out = memory.rowsIn(x, rows, width, rows * trees.trees * 4);
      if (out < 0) return null;
      walk(leavesRows, leafNodeAt, rows, width, out);
      return memory.ints(out, rows * trees.trees);
    },
  };
}

/** A linked layout's arrays, as linkedLeqLeaves builds them. */
export interface LinkedTrees {
  readonly feature: Int32Array;
  readonly threshold: Float32Array | Float64Array;
  /** Per node, its true then its false child (a leaf's are itself). */
  readonly kids: Int32Array;
  readonly roots: Int32Array;
  /** Per tree, the levels a walk goes down. */
  readonly heights: Int32Array;
}

/**
 * linkedLeqLeaves' batch walk of float32 rows in the bundled module: each row's leaf of tree t at [t * rows + r],
 * in the walker's memory (valid until its next call), or null when its memory cannot grow to hold the batch.
 */
export type WasmLinkedWalker = (x: Float32Array, rows: number, width: number) => Int32Array | null;

/** A linked walker for these trees, or null (as wasmWalker). */
export function wasmLinkedWalker(trees: LinkedTrees): WasmLinkedWalker | null {
  if (walkerModule === null || !(trees.threshold instanceof Float32Array)) return null;
  try {
    const { feature, threshold, kids, roots, heights } = trees;
    const memory = instanceWith(walkerModule, [feature, threshold, kids, roots, heights]);
    const [featureAt, thresholdAt, kidsAt, rootsAt, heightsAt] = memory.at as [number, number, number, number, number];
    const linkedRows = memory.exports.linked_rows as WalkRows;
    const count = roots.length;
    started++;
    return (x, rows, width) => {
      const out = memory.rowsIn(x, rows, width, rows * count * 4);
      if (out < 0) return null;
      linkedRows(featureAt, thresholdAt, kidsAt, rootsAt, heightsAt, count, memory.batch, rows, width, out);
      return memory.ints(out, rows * count);
    };
  } catch (error) {
    warnNotStarted(error);
    return null;
  }
}

function warnNotStarted(error: unknown): void {
  console.error(
    JSON.stringify({ level: 'warn', message: 'the WASM tree walker did not start; walking in JavaScript', reason: String(error) }),
  );
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** Grows `memory` to hold `bytes`; whether it grew. */
function ensure(memory: WebAssembly.Memory, bytes: number): boolean {
  const missing = bytes - memory.buffer.byteLength;
  if (missing <= 0) return false;
  memory.grow(Math.ceil(missing / PAGE));
  return true;
}
