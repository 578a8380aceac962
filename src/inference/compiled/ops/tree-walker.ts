/**
 * The bundled WASM tree walker (assembled by `vigil prepare` from cli/lib/tree-walker-wat.ts): batches of float32
 * rows walked down complete trees, to their leaves or their leaf values' sums, exactly as completeLeqLeaves'
 * JavaScript `walk` and `sum` do, and faster. Workers cannot compile WebAssembly at run time, so the Worker imports
 * the module precompiled and hands it over with useTreeWalker; without it (Node, unless a caller loads it) the
 * JavaScript walk runs. Each ensemble gets its own instance, whose memory holds a copy of its trees followed by the
 * last batch's rows and output; like the JavaScript walk's buffers, it grows with the largest batch and never
 * shrinks.
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
    console.error(
      JSON.stringify({ level: 'warn', message: 'the WASM tree walker did not start; walking in JavaScript', reason: String(error) }),
    );
    return null;
  }
}

function instantiate(module: WebAssembly.Module, trees: CompleteTrees): WasmWalker {
  const exports = new WebAssembly.Instance(module, {}).exports;
  const memory = exports.memory as WebAssembly.Memory;
  const bits = trees.feature.BYTES_PER_ELEMENT * 8;
  const sumRows = exports[`sum_rows_u${bits}`] as WalkRows;
  const leavesRows = exports[`leaves_rows_u${bits}`] as WalkRows;
  let end = 0;
  const place = (array: ArrayBufferView) => {
    const at = align(end);
    end = at + array.byteLength;
    return at;
  };
  const { feature, threshold, step, toLeaf, leafNode } = trees;
  const arrays = [feature, threshold, step, toLeaf, leafNode];
  const places = arrays.map(place);
  const [featureAt, thresholdAt, stepAt, toLeafAt, leafNodeAt] = places as [number, number, number, number, number];
  const valueAt = place(leafNode); // as many float32 slot values as leaf nodes
  const batch = align(end);
  ensure(memory, batch);
  arrays.forEach((array, i) => {
    new Uint8Array(memory.buffer, places[i], array.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  });
  let valuesOf: Float32Array | undefined;
  let view = new Float32Array(memory.buffer);
  /** Copies the rows in after making room for `outBytes` after them; where the output goes (−1: no room). */
  const rowsIn = (x: Float32Array, rows: number, width: number, outBytes: number): number => {
    const values = rows * width;
    const out = align(batch + values * 4);
    try {
      if (ensure(memory, out + outBytes) || view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
    } catch {
      return -1; // the memory cannot grow that far (RangeError)
    }
    view.set(x.length === values ? x : x.subarray(0, values), batch >> 2);
    return out;
  };
  const walk = (run: WalkRows, slot: number, rows: number, width: number, out: number) =>
    run(featureAt, thresholdAt, stepAt, toLeafAt, slot, trees.trees, trees.height, trees.branchesPerTree, batch, rows, width, out);
  return {
    sum: (x, rows, width, slotValue, acc) => {
      if (!(slotValue instanceof Float32Array)) return false;
      const out = rowsIn(x, rows, width, rows * 4);
      if (out < 0) return false;
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
      const out = rowsIn(x, rows, width, rows * trees.trees * 4);
      if (out < 0) return null;
      walk(leavesRows, leafNodeAt, rows, width, out);
      return new Int32Array(memory.buffer, out, rows * trees.trees);
    },
  };
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
