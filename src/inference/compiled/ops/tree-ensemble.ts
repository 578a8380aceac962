/**
 * The trees of an ai.onnx.ml TreeEnsembleRegressor/Classifier flattened into typed arrays, and the walk from a
 * root to a leaf exactly as ONNX Runtime's TreeEnsembleCommon does it: thresholds are float32 (double when the
 * input is double), inputs are compared as float32 (int64/int32 inputs converted to float first), and a NaN
 * follows the true branch only where missing_value_tracks_true says so.
 */
import type { Tensor } from '../../../model/tensor.ts';
import type { OnnxNode } from '../onnx-node.ts';
import { int64ToFloat32 } from '../tensor-util.ts';
import { type WasmLinkedWalker, type WasmWalker, wasmLinkedWalker, wasmWalker } from './tree-walker.ts';

export const LEAF = 0;
const BRANCH_LEQ = 1;
const BRANCH_LT = 2;
const BRANCH_GTE = 3;
const BRANCH_GT = 4;
const BRANCH_EQ = 5;
const BRANCH_NEQ = 6;

const MODES: Readonly<Record<string, number>> = { LEAF, BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ };

/**
 * What compileTreeEnsemble reads from a node's attributes: the trees as typed arrays, and facts about the weight
 * attributes as written. It is all a kernel needs of the attributes that grow with the trees, so a build can store
 * it (tree-image.ts) and a cold isolate skip reading them (see OnnxNode.trees).
 */
export interface TreeArrays {
  /** Per node (attribute position): feature read (−1 for a leaf), threshold, mode, children, NaN-goes-true flag. */
  readonly featureIds: Int32Array;
  readonly thresholds: Float64Array;
  readonly modes: Uint8Array;
  readonly trueChild: Int32Array;
  readonly falseChild: Int32Array;
  readonly missingTracksTrue: Uint8Array;
  /** The node each tree starts at, in ONNX Runtime's order (a new root wherever the tree id changes). */
  readonly roots: Int32Array;
  /** Per leaf: its weights are weightTargets/weightValues[first .. first + count). */
  readonly leafFirstWeight: Int32Array;
  readonly leafWeightCount: Int32Array;
  readonly weightTargets: Int32Array;
  /** Weights (float32 values, as FLOATS attributes hold them). */
  readonly weightValues: Float64Array;
  /** Per leaf, its first weight (what a single-target ensemble adds). */
  readonly leafValues: Float64Array;
  readonly maxFeatureId: number;
  /** The weight attributes as written, weights on branches included: how many ids they list, … */
  readonly weightIdCount: number;
  /** … whether every id is the first one, … */
  readonly oneWeightId: boolean;
  /** … and whether no weight is negative (NaN counts as not negative). */
  readonly noNegativeWeight: boolean;
  /** Whether every branch is BRANCH_LEQ and none tracks NaN (then the lean and branch-free walks apply). */
  readonly onlyLeq: boolean;
}

export interface TreeEnsemble extends TreeArrays {
  /** Finds the leaf a row reaches from a root: a lean loop when every branch is BRANCH_LEQ without NaN tracking. */
  readonly leafFor: (root: number, x: Float32Array | Float64Array, offset: number) => number;
  /**
   * Where every branch is BRANCH_LEQ without NaN tracking: the leaf every row of `x` (rows of `width` values)
   * reaches in every tree, tree-major (`[t * rows + r]`; valid until the next call, which reuses the array or, for
   * the WASM walker's view of its memory, may detach it). Several walks run in lockstep, so the CPU overlaps their
   * chains of dependent loads instead of waiting on each in turn. Batches of float32 rows in the complete layout
   * walk in the bundled WASM walker when the isolate has one (tree-walker.ts). Null for
   * other ensembles, and the function answers null for batches leafFor walks faster (fewer than INTERLEAVED_ROWS
   * rows in the linked layout) or should (such batches while the ensemble is cold: its first COLD_SINGLE_ROWS rows).
   */
  readonly batchLeaves: ((x: Float32Array | Float64Array, rows: number, width: number) => Int32Array | null) | null;
  /**
   * How batchLeaves lays the trees out (decided on its first call): 'complete' when every tree fits a complete
   * binary tree of its height (depth-limited boosting: XGBoost, LightGBM, Vigil's GBDT), 'linked' otherwise
   * (deep or lopsided trees, such as an unlimited random forest), null without batchLeaves.
   */
  readonly batchLayout: () => BatchLayout | null;
  /** `rows` zeros, in a buffer the ensemble reuses (sumLeafValues' result). */
  readonly sums: (rows: number) => Float64Array;
  /**
   * sumLeafValues of float32 rows, with the sums added during the walk (no leaves written and read back): where
   * batchLeaves walks complete trees, and has built its walker (a batch of INTERLEAVED_ROWS rows or more builds it
   * at once, smaller ones once the ensemble is warm). Returns false, summing nothing, for anything else (the
   * caller then sums batchLeaves' leaves). `values` is per node; the ensemble keeps a copy laid out like its trees
   * for the last array it was given.
   */
  readonly batchSums: (x: Float32Array, rows: number, width: number, values: Float64Array, acc: Float64Array) => boolean;
  /** What walked the last batch of INTERLEAVED_ROWS rows or more (null before one). */
  readonly batchWalker: () => BatchWalker | null;
  /** Whether batchSums may sum `rows` rows now (it may still answer false for the linked layout); never builds anything. */
  readonly maySum: (rows: number) => boolean;
}

export type BatchLayout = 'complete' | 'linked';
/** What walked a batch of INTERLEAVED_ROWS rows or more: the bundled WASM walker (tree-walker.ts) or JavaScript. */
export type BatchWalker = 'wasm' | 'javascript';

/** The fewest rows walked in lockstep down one tree; fewer walk row by row (see batchLeaves). */
export const INTERLEAVED_ROWS = 4;
/** Rows of small batches an ensemble walks with leafFor before it builds its batch walker for them. */
export const COLD_SINGLE_ROWS = 256;

export type TreeEnsembleResult = { ok: true; ensemble: TreeEnsemble } | { ok: false; reason: string };

/** Attribute names of the leaf weights: `target_*` for regressors, `class_*` for classifiers. */
export interface WeightAttributes {
  ids: string;
  nodeIds: string;
  treeIds: string;
  weights: string;
}

/**
 * Reads and checks the tree attributes. The thresholds and weights are the same numbers whether the ensemble
 * computes in float32 or float64 (double input), since FLOATS attributes hold float32 values.
 */
export function compileTreeEnsemble(node: OnnxNode, names: WeightAttributes, targetCount: number): TreeEnsembleResult {
  if (node.trees === undefined) {
    const read = readTreeArrays(node, names, targetCount);
    if (!read.ok) return read;
    node.trees = read.arrays;
  }
  return { ok: true, ensemble: ensembleOf(node.trees) };
}

type TreeArraysResult = { ok: true; arrays: TreeArrays } | { ok: false; reason: string };

function readTreeArrays(node: OnnxNode, names: WeightAttributes, targetCount: number): TreeArraysResult {
  for (const unsupported of ['nodes_values_as_tensor', 'nodes_hitrates_as_tensor', 'base_values_as_tensor', `${names.weights}_as_tensor`]) {
    if (node.has(unsupported)) return { ok: false, reason: `uses ${unsupported} (double-precision tree attributes are not supported)` };
  }
  const treeIds = node.ints('nodes_treeids');
  const nodeIds = node.ints('nodes_nodeids');
  const featureIds = node.ints('nodes_featureids');
  const modeNames = node.strings('nodes_modes');
  const values = node.floatArray('nodes_values');
  const trueIds = node.ints('nodes_truenodeids');
  const falseIds = node.ints('nodes_falsenodeids');
  const missing = node.ints('nodes_missing_value_tracks_true');
  const count = treeIds.length;
  if (count === 0) return { ok: false, reason: 'has no tree nodes' };
  for (const [name, list] of [
    ['nodes_nodeids', nodeIds],
    ['nodes_featureids', featureIds],
    ['nodes_modes', modeNames],
    ['nodes_values', values],
    ['nodes_truenodeids', trueIds],
    ['nodes_falsenodeids', falseIds],
  ] as const) {
    if (list.length !== count) return { ok: false, reason: `has ${list.length} ${name} for ${count} nodes` };
  }
  // Plain loops throughout, no callbacks or per-node allocations: this runs on a cold start, before V8 has
  // optimised anything, over tens of thousands of nodes.

  const modes = new Uint8Array(count);
  // (tree id, node id) → position. Exports list each tree's nodes together, numbered 0, 1, 2, …; then a node's
  // position is its tree's first position plus its id. Otherwise a map, keyed by one number when the ids allow
  // it (much faster than strings).
  const runs = treeRuns(treeIds, nodeIds);
  const numericKeys = !runs && smallIntegers(treeIds) && smallIntegers(nodeIds);
  const keyOf = numericKeys
    ? (tree: number, id: number): number | string => tree * 2 ** 21 + id
    : (tree: number, id: number): number | string => `${tree}:${id}`;
  const position = new Map<number | string, number>();
  const find = runs ? (tree: number, id: number) => runs.find(tree, id) : (tree: number, id: number) => position.get(keyOf(tree, id));
  let maxFeatureId = 0;
  for (let i = 0; i < count; i++) {
    // Comparing with the common modes first skips a property lookup by a fresh (not interned) string.
    const name = modeNames[i]!;
    const mode = name === 'BRANCH_LEQ' ? BRANCH_LEQ : name === 'LEAF' ? LEAF : Object.hasOwn(MODES, name) ? MODES[name] : undefined;
    if (mode === undefined) return { ok: false, reason: `has node mode "${modeNames[i]}"` };
    modes[i] = mode;
    if (!runs) {
      const key = keyOf(treeIds[i]!, nodeIds[i]!);
      if (position.has(key)) return { ok: false, reason: `has node ${nodeIds[i]} twice in tree ${treeIds[i]}` };
      position.set(key, i);
    }
    if (mode !== LEAF) {
      if (featureIds[i]! < 0) return { ok: false, reason: `reads feature ${featureIds[i]}` };
      if (featureIds[i]! > maxFeatureId) maxFeatureId = featureIds[i]!;
    }
  }

  const trueChild = new Int32Array(count).fill(-1);
  const falseChild = new Int32Array(count).fill(-1);
  // ONNX Runtime's own checks: a child id within the node count, in the same tree, not the node itself.
  const childOf = (i: number, id: number): number | undefined => {
    if (!(id >= 0 && id < count)) return undefined;
    if (!runs) return position.get(keyOf(treeIds[i]!, id));
    const start = runs.startOf[i]!;
    return id < runs.endOf[i]! - start ? start + id : undefined;
  };
  // Children listed after their parent (as exports number them) cannot form a cycle; only otherwise is a
  // search needed.
  let forward = true;
  for (let i = 0; i < count; i++) {
    if (modes[i] === LEAF) continue;
    const onTrue = childOf(i, trueIds[i]!);
    if (onTrue === undefined) return { ok: false, reason: `has no true node ${trueIds[i]} in tree ${treeIds[i]}` };
    if (onTrue === i) return { ok: false, reason: `has node ${nodeIds[i]} of tree ${treeIds[i]} pointing to itself` };
    trueChild[i] = onTrue;
    const onFalse = childOf(i, falseIds[i]!);
    if (onFalse === undefined) return { ok: false, reason: `has no false node ${falseIds[i]} in tree ${treeIds[i]}` };
    if (onFalse === i) return { ok: false, reason: `has node ${nodeIds[i]} of tree ${treeIds[i]} pointing to itself` };
    falseChild[i] = onFalse;
    if (onTrue < i || onFalse < i) forward = false;
  }

  const roots: number[] = [];
  for (let i = 0; i < count; i++) if (i === 0 || treeIds[i] !== treeIds[i - 1]) roots.push(i);
  if (!forward && hasCycle(roots, modes, trueChild, falseChild)) return { ok: false, reason: 'has a tree with a cycle' };

  // Leaf weights in ONNX Runtime's order: sorted by (tree id, node id), then by position.
  const wIds = node.ints(names.ids);
  const wNodeIds = node.ints(names.nodeIds);
  const wTreeIds = node.ints(names.treeIds);
  const wValues = node.floatArray(names.weights);
  if (wNodeIds.length !== wIds.length || wTreeIds.length !== wIds.length || wValues.length !== wIds.length) {
    return {
      ok: false,
      reason:
        `has ${wIds.length} ${names.ids}, ${wNodeIds.length} ${names.nodeIds}, ` +
        `${wTreeIds.length} ${names.treeIds} and ${wValues.length} ${names.weights}`,
    };
  }
  const order: number[] = [];
  for (let i = 0; i < wIds.length; i++) order.push(i);
  const before = (a: number, b: number) => wTreeIds[a]! - wTreeIds[b]! || wNodeIds[a]! - wNodeIds[b]! || a - b;
  // Exports usually list weights in order already; sorting is then skipped.
  let sorted = true;
  for (let i = 1; i < order.length && sorted; i++) sorted = (wTreeIds[i - 1]! - wTreeIds[i]! || wNodeIds[i - 1]! - wNodeIds[i]! || -1) <= 0;
  if (!sorted) order.sort(before);
  const leafOf = new Int32Array(order.length).fill(-1);
  const leafWeightCount = new Int32Array(count);
  for (let k = 0; k < order.length; k++) {
    const w = order[k]!;
    const at = find(wTreeIds[w]!, wNodeIds[w]!);
    if (at === undefined) return { ok: false, reason: `has a weight for node ${wNodeIds[w]} of tree ${wTreeIds[w]}, which does not exist` };
    // ONNX Runtime ignores weights on branch nodes (old onnxmltools exports have them).
    if (modes[at] !== LEAF) continue;
    if (targetCount > 1 && (wIds[w]! < 0 || wIds[w]! >= targetCount))
      return { ok: false, reason: `has a weight for ${names.ids} ${wIds[w]} of ${targetCount}` };
    leafOf[k] = at;
    leafWeightCount[at]!++;
  }
  const leafFirstWeight = new Int32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (modes[i] !== LEAF) continue;
    if (leafWeightCount[i] === 0) return { ok: false, reason: `has leaf ${nodeIds[i]} of tree ${treeIds[i]} without a weight` };
    leafFirstWeight[i] = total;
    total += leafWeightCount[i]!;
  }
  // Each leaf's weights, contiguous and in the sorted order.
  const weightTargets = new Int32Array(total);
  const weightValues = new Float64Array(total);
  const filled = new Int32Array(count);
  for (let k = 0; k < order.length; k++) {
    const at = leafOf[k]!;
    if (at < 0) continue;
    const w = order[k]!;
    const slot = leafFirstWeight[at]! + filled[at]!++;
    weightTargets[slot] = wIds[w]!;
    weightValues[slot] = wValues[w]!;
  }

  const missingTracksTrue = new Uint8Array(count);
  for (let i = 0; i < Math.min(missing.length, count); i++) missingTracksTrue[i] = missing[i] === 1 ? 1 : 0;

  const readFeature = new Int32Array(count);
  for (let i = 0; i < count; i++) readFeature[i] = modes[i] === LEAF ? -1 : featureIds[i]!;
  const thresholds = new Float64Array(count);
  thresholds.set(values);
  const structure = {
    featureIds: readFeature,
    thresholds,
    modes,
    trueChild,
    falseChild,
    missingTracksTrue,
  };
  const leafValues = new Float64Array(count);
  for (let i = 0; i < count; i++) if (modes[i] === LEAF) leafValues[i] = weightValues[leafFirstWeight[i]!]!;
  let oneWeightId = true;
  for (let i = 1; i < wIds.length && oneWeightId; i++) oneWeightId = wIds[i] === wIds[0];
  let noNegativeWeight = true;
  for (let i = 0; i < wValues.length && noNegativeWeight; i++) noNegativeWeight = !(wValues[i]! < 0);
  let onlyLeq = !missingTracksTrue.includes(1);
  for (let i = 0; i < count && onlyLeq; i++) onlyLeq = modes[i] === LEAF || modes[i] === BRANCH_LEQ;
  return {
    ok: true,
    arrays: {
      ...structure,
      roots: Int32Array.from(roots),
      leafFirstWeight,
      leafWeightCount,
      weightTargets,
      weightValues,
      leafValues,
      maxFeatureId,
      weightIdCount: wIds.length,
      oneWeightId,
      noNegativeWeight,
      onlyLeq,
    },
  };
}

/** The walks over an ensemble's arrays. */
function ensembleOf(arrays: TreeArrays): TreeEnsemble {
  const { onlyLeq, roots } = arrays;
  const leafFor = onlyLeq ? leqWalker(arrays) : generalWalker(arrays);
  // Made on the first batch, or once COLD_SINGLE_ROWS rows have walked one by one: building it costs a cold
  // isolate several milliseconds (V8 has optimised nothing yet), which a cold start's first request must not pay.
  let batchWalk: BatchWalk | undefined;
  let singleRows = 0;
  const batch = () => (batchWalk ??= leqBatchWalk(arrays, roots));
  const batchLeaves: TreeEnsemble['batchLeaves'] = (x, rows, width) => {
    if (batchWalk === undefined && rows < INTERLEAVED_ROWS && (singleRows += rows) <= COLD_SINGLE_ROWS) return null;
    return batch().walk(x, rows, width);
  };
  let sums = new Float64Array(0);
  // Small batches wait until batchLeaves has built the walker (see COLD_SINGLE_ROWS).
  const maySum = (rows: number) => onlyLeq && (rows >= INTERLEAVED_ROWS || batchWalk !== undefined);
  return {
    ...arrays,
    leafFor,
    batchLeaves: onlyLeq ? batchLeaves : null,
    batchLayout: () => (onlyLeq ? batch().layout : null),
    batchWalker: () => batchWalk?.walker?.() ?? null,
    sums: (rows) => {
      if (sums.length < rows) sums = new Float64Array(Math.max(rows, 2 * sums.length));
      return sums.fill(0, 0, rows);
    },
    maySum,
    batchSums: (x, rows, width, values, acc) => {
      if (!maySum(rows)) return false;
      const sumRows = batch().sum;
      if (!sumRows) return false;
      sumRows(x, rows, width, values, acc);
      return true;
    },
  };
}

/**
 * Each row's sum of its leaves' values (`values[leaf]`; batchLeaves' `leaves`), tree by tree in order as ONNX
 * Runtime adds them: rounded to float32 after every addition, or in double for double input. Into `acc`, which
 * holds `rows` zeros (TreeEnsemble.sums).
 */
export function sumLeafValues(
  values: Float64Array,
  leaves: Int32Array,
  trees: number,
  rows: number,
  double: boolean,
  acc: Float64Array,
): Float64Array {
  if (double) {
    for (let t = 0; t < trees; t++) {
      const at = t * rows;
      for (let r = 0; r < rows; r++) acc[r] = acc[r]! + values[leaves[at + r]!]!;
    }
  } else {
    for (let t = 0; t < trees; t++) {
      const at = t * rows;
      for (let r = 0; r < rows; r++) acc[r] = Math.fround(acc[r]! + values[leaves[at + r]!]!);
    }
  }
  return acc;
}

/** Per target, each leaf's weight for it: what a batch sums when every leaf weighs the same targets. */
export interface LeafWeightsByTarget {
  readonly targets: readonly number[];
  readonly values: readonly Float64Array[];
}

/**
 * When every leaf has one weight for each of the same distinct targets, in the same order (a GBDT's trees: a
 * binary classifier's one or two classes, every class of a multiclass one), each target's leaf weights; null
 * otherwise.
 */
export function weightsByTarget(e: TreeArrays): LeafWeightsByTarget | null {
  const { modes, leafFirstWeight, leafWeightCount, weightTargets, weightValues } = e;
  let targets: number[] | null = null;
  for (let n = 0; n < modes.length; n++) {
    if (modes[n] !== LEAF) continue;
    const first = leafFirstWeight[n]!;
    if (targets === null) {
      targets = [];
      for (let j = 0; j < leafWeightCount[n]!; j++) targets.push(weightTargets[first + j]!);
      if (targets.length === 0 || new Set(targets).size !== targets.length) return null;
    }
    if (leafWeightCount[n] !== targets.length) return null;
    for (let j = 0; j < targets.length; j++) if (weightTargets[first + j] !== targets[j]) return null;
  }
  if (targets === null) return null;
  const values = targets.map(() => new Float64Array(modes.length));
  for (let n = 0; n < modes.length; n++) {
    if (modes[n] !== LEAF) continue;
    for (let j = 0; j < targets.length; j++) values[j]![n] = weightValues[leafFirstWeight[n]! + j]!;
  }
  return { targets, values };
}

/** A buffer of at least `size` values, grown (never shrunk) on demand. */
function scratch(): (size: number) => Int32Array {
  let buffer = new Int32Array(0);
  return (size) => {
    if (buffer.length < size) buffer = new Int32Array(Math.max(size, buffer.length * 2));
    return buffer;
  };
}

type SumRows = (x: Float32Array, rows: number, width: number, values: Float64Array, acc: Float64Array) => void;
type BatchWalk = { layout: BatchLayout; walk: NonNullable<TreeEnsemble['batchLeaves']>; sum?: SumRows; walker?: () => BatchWalker | null };

/** Tallest trees the complete layout takes (2^12 leaf slots each); taller ones make the ensemble 'linked'. */
const COMPLETE_MAX_HEIGHT = 12;
/** Complete trees may hold at most this many times the ensemble's real nodes (padding lopsided trees). */
const COMPLETE_MAX_GROWTH = 4;

/** batchLeaves for BRANCH_LEQ trees without NaN tracking: the complete layout when it fits, else the linked one. */
function leqBatchWalk(structure: Structure, roots: Int32Array): BatchWalk {
  const { featureIds, trueChild, falseChild } = structure;
  const heights = treeHeights(featureIds, trueChild, falseChild);
  const height = new Int32Array(roots.length);
  let tallest = 0;
  for (let t = 0; t < roots.length; t++) {
    height[t] = heights[roots[t]!]!;
    tallest = Math.max(tallest, height[t]!);
  }
  const fits = tallest <= COMPLETE_MAX_HEIGHT && roots.length * 2 ** tallest <= COMPLETE_MAX_GROWTH * featureIds.length;
  return fits
    ? { layout: 'complete', ...completeLeqLeaves(structure, roots, tallest) }
    : { layout: 'linked', ...linkedLeqLeaves(structure, roots, height) };
}

/**
 * The complete layout: every tree becomes a complete binary tree of the tallest tree's height `h`, stored
 * breadth-first, so a node's children are found by arithmetic (`2n + 1` true, `2n + 2` false) instead of a load:
 * the chain of dependent loads per step is one shorter than the linked layout's, and with no branch to predict a
 * walk costs the same whichever way it goes. A leaf above the last level becomes a branch that sends every value
 * (NaN too) to copies of itself. Batches walk eight rows down each tree in lockstep (then four, then one at a
 * time); fewer than INTERLEAVED_ROWS rows walk each row down eight trees at once instead, which is about
 * 2.5 times as fast as leqWalker's early-exit walk on rows the branch predictor has not seen. A NaN fails `<=`
 * and goes false, as in leqWalker. `sum` walks batches the same way but adds each leaf's value to its row's sum
 * where the walk ends, instead of writing the leaf for a second pass to look up (TreeEnsemble.batchSums).
 * Positions are absolute: from node `a` of tree `t`, stored from `t(2^h − 1)`, the next is
 * `2a + step[t] + goesFalse`. Batches of float32 rows go to the bundled WASM walker instead, when there is one
 * (tree-walker.ts): the same walk over copies of these arrays in its memory, 1.5–2 times as fast in Node.
 */
function completeLeqLeaves(
  { featureIds, thresholds, trueChild, falseChild }: Structure,
  roots: Int32Array,
  h: number,
): { walk: NonNullable<TreeEnsemble['batchLeaves']>; sum: SumRows; walker: () => BatchWalker | null } {
  const trees = roots.length;
  const branchesPerTree = (1 << h) - 1; // an int: `2 ** h` is a double, and so would every position be
  const step = new Int32Array(trees);
  // A walk of tree t ends at t(2^h − 1) + slot, slot in [2^h − 1, 2^(h+1) − 2]; its leaf is leafNode[t 2^h + slot − (2^h − 1)],
  // so leafNode[end + toLeaf[t]].
  const toLeaf = new Int32Array(trees);
  for (let t = 0; t < trees; t++) {
    step[t] = 1 - t * branchesPerTree;
    toLeaf[t] = t - branchesPerTree;
  }
  // The smallest arrays that hold the values exactly: a single row's walk is bound by the cache lines it touches
  // (from a cold cache, ~10 per tree with 4-byte feature ids and double thresholds, ~6 with these).
  const feature = featureArray(featureIds, trees * branchesPerTree);
  const threshold = float32IfExact(thresholds, trees * branchesPerTree);
  const leafNode = new Int32Array(trees * (branchesPerTree + 1));
  const stackNode = new Int32Array(h + 2);
  const stackSlot = new Int32Array(h + 2);
  const stackDepth = new Int32Array(h + 2);
  for (let t = 0; t < trees; t++) {
    const first = t * branchesPerTree;
    stackNode[0] = roots[t]!;
    stackSlot[0] = 0;
    stackDepth[0] = 0;
    let top = 1;
    while (top > 0) {
      top--;
      const n = stackNode[top]!;
      const slot = stackSlot[top]!;
      const depth = stackDepth[top]!;
      if (depth === h) {
        leafNode[first + slot + toLeaf[t]!] = n;
        continue;
      }
      const leaf = featureIds[n]! < 0;
      feature[first + slot] = leaf ? 0 : featureIds[n]!;
      threshold[first + slot] = leaf ? Number.POSITIVE_INFINITY : thresholds[n]!;
      stackNode[top] = leaf ? n : trueChild[n]!;
      stackSlot[top] = 2 * slot + 1;
      stackDepth[top++] = depth + 1;
      stackNode[top] = leaf ? n : falseChild[n]!;
      stackSlot[top] = 2 * slot + 2;
      stackDepth[top++] = depth + 1;
    }
  }

  /**
   * Row `r` (values from `o`) down every tree, eight trees at a time; leaves to out[t * rows + r], or with `acc`,
   * their values (`slotValue`) added to acc[r] tree by tree in float32.
   */
  const walkRow = (
    x: Float32Array | Float64Array,
    o: number,
    r: number,
    rows: number,
    out: Int32Array,
    acc: Float64Array | null,
    slotValue: Float32Array | Float64Array,
  ) => {
    let t = 0;
    for (; t + 8 <= trees; t += 8) {
      let n0 = t * branchesPerTree;
      let n1 = n0 + branchesPerTree;
      let n2 = n1 + branchesPerTree;
      let n3 = n2 + branchesPerTree;
      let n4 = n3 + branchesPerTree;
      let n5 = n4 + branchesPerTree;
      let n6 = n5 + branchesPerTree;
      let n7 = n6 + branchesPerTree;
      const k0 = step[t]!;
      const k1 = step[t + 1]!;
      const k2 = step[t + 2]!;
      const k3 = step[t + 3]!;
      const k4 = step[t + 4]!;
      const k5 = step[t + 5]!;
      const k6 = step[t + 6]!;
      const k7 = step[t + 7]!;
      for (let d = h; d > 0; d--) {
        n0 = 2 * n0 + k0 + +!(x[o + feature[n0]!]! <= threshold[n0]!);
        n1 = 2 * n1 + k1 + +!(x[o + feature[n1]!]! <= threshold[n1]!);
        n2 = 2 * n2 + k2 + +!(x[o + feature[n2]!]! <= threshold[n2]!);
        n3 = 2 * n3 + k3 + +!(x[o + feature[n3]!]! <= threshold[n3]!);
        n4 = 2 * n4 + k4 + +!(x[o + feature[n4]!]! <= threshold[n4]!);
        n5 = 2 * n5 + k5 + +!(x[o + feature[n5]!]! <= threshold[n5]!);
        n6 = 2 * n6 + k6 + +!(x[o + feature[n6]!]! <= threshold[n6]!);
        n7 = 2 * n7 + k7 + +!(x[o + feature[n7]!]! <= threshold[n7]!);
      }
      if (acc) {
        let sum = acc[r]!;
        sum = f(sum + slotValue[n0 + toLeaf[t]!]!);
        sum = f(sum + slotValue[n1 + toLeaf[t + 1]!]!);
        sum = f(sum + slotValue[n2 + toLeaf[t + 2]!]!);
        sum = f(sum + slotValue[n3 + toLeaf[t + 3]!]!);
        sum = f(sum + slotValue[n4 + toLeaf[t + 4]!]!);
        sum = f(sum + slotValue[n5 + toLeaf[t + 5]!]!);
        sum = f(sum + slotValue[n6 + toLeaf[t + 6]!]!);
        acc[r] = f(sum + slotValue[n7 + toLeaf[t + 7]!]!);
      } else {
        out[t * rows + r] = leafNode[n0 + toLeaf[t]!]!;
        out[(t + 1) * rows + r] = leafNode[n1 + toLeaf[t + 1]!]!;
        out[(t + 2) * rows + r] = leafNode[n2 + toLeaf[t + 2]!]!;
        out[(t + 3) * rows + r] = leafNode[n3 + toLeaf[t + 3]!]!;
        out[(t + 4) * rows + r] = leafNode[n4 + toLeaf[t + 4]!]!;
        out[(t + 5) * rows + r] = leafNode[n5 + toLeaf[t + 5]!]!;
        out[(t + 6) * rows + r] = leafNode[n6 + toLeaf[t + 6]!]!;
        out[(t + 7) * rows + r] = leafNode[n7 + toLeaf[t + 7]!]!;
      }
    }
    for (; t < trees; t++) {
      const k = step[t]!;
      let n = t * branchesPerTree;
      for (let d = h; d > 0; d--) n = 2 * n + k + +!(x[o + feature[n]!]! <= threshold[n]!);
      if (acc) acc[r] = f(acc[r]! + slotValue[n + toLeaf[t]!]!);
      else out[t * rows + r] = leafNode[n + toLeaf[t]!]!;
    }
  };

  /**
   * Every row down each tree in turn, eight rows in lockstep, then four, then one: each row's leaf of tree t to
   * out[t * rows + r], or with `acc`, each row's leaf value (`slotValue`, per leaf slot) added to acc[r] in float32.
   */
  const walkRows = (
    x: Float32Array | Float64Array,
    rows: number,
    width: number,
    out: Int32Array,
    acc: Float64Array | null,
    slotValue: Float32Array | Float64Array,
  ) => {
    for (let t = 0; t < trees; t++) {
      const first = t * branchesPerTree;
      const k = step[t]!;
      const leaf = toLeaf[t]!;
      const at = t * rows;
      let r = 0;
      for (; r + 8 <= rows; r += 8) {
        const o0 = r * width;
        const o1 = o0 + width;
        const o2 = o1 + width;
        const o3 = o2 + width;
        const o4 = o3 + width;
        const o5 = o4 + width;
        const o6 = o5 + width;
        const o7 = o6 + width;
        let n0 = first;
        let n1 = first;
        let n2 = first;
        let n3 = first;
        let n4 = first;
        let n5 = first;
        let n6 = first;
        let n7 = first;
        for (let d = h; d > 0; d--) {
          n0 = 2 * n0 + k + +!(x[o0 + feature[n0]!]! <= threshold[n0]!);
          n1 = 2 * n1 + k + +!(x[o1 + feature[n1]!]! <= threshold[n1]!);
          n2 = 2 * n2 + k + +!(x[o2 + feature[n2]!]! <= threshold[n2]!);
          n3 = 2 * n3 + k + +!(x[o3 + feature[n3]!]! <= threshold[n3]!);
          n4 = 2 * n4 + k + +!(x[o4 + feature[n4]!]! <= threshold[n4]!);
          n5 = 2 * n5 + k + +!(x[o5 + feature[n5]!]! <= threshold[n5]!);
          n6 = 2 * n6 + k + +!(x[o6 + feature[n6]!]! <= threshold[n6]!);
          n7 = 2 * n7 + k + +!(x[o7 + feature[n7]!]! <= threshold[n7]!);
        }
        if (acc) {
          acc[r] = f(acc[r]! + slotValue[n0 + leaf]!);
          acc[r + 1] = f(acc[r + 1]! + slotValue[n1 + leaf]!);
          acc[r + 2] = f(acc[r + 2]! + slotValue[n2 + leaf]!);
          acc[r + 3] = f(acc[r + 3]! + slotValue[n3 + leaf]!);
          acc[r + 4] = f(acc[r + 4]! + slotValue[n4 + leaf]!);
          acc[r + 5] = f(acc[r + 5]! + slotValue[n5 + leaf]!);
          acc[r + 6] = f(acc[r + 6]! + slotValue[n6 + leaf]!);
          acc[r + 7] = f(acc[r + 7]! + slotValue[n7 + leaf]!);
        } else {
          out[at + r] = leafNode[n0 + leaf]!;
          out[at + r + 1] = leafNode[n1 + leaf]!;
          out[at + r + 2] = leafNode[n2 + leaf]!;
          out[at + r + 3] = leafNode[n3 + leaf]!;
          out[at + r + 4] = leafNode[n4 + leaf]!;
          out[at + r + 5] = leafNode[n5 + leaf]!;
          out[at + r + 6] = leafNode[n6 + leaf]!;
          out[at + r + 7] = leafNode[n7 + leaf]!;
        }
      }
      for (; r + 4 <= rows; r += 4) {
        const o0 = r * width;
        const o1 = o0 + width;
        const o2 = o1 + width;
        const o3 = o2 + width;
        let n0 = first;
        let n1 = first;
        let n2 = first;
        let n3 = first;
        for (let d = h; d > 0; d--) {
          n0 = 2 * n0 + k + +!(x[o0 + feature[n0]!]! <= threshold[n0]!);
          n1 = 2 * n1 + k + +!(x[o1 + feature[n1]!]! <= threshold[n1]!);
          n2 = 2 * n2 + k + +!(x[o2 + feature[n2]!]! <= threshold[n2]!);
          n3 = 2 * n3 + k + +!(x[o3 + feature[n3]!]! <= threshold[n3]!);
        }
        if (acc) {
          acc[r] = f(acc[r]! + slotValue[n0 + leaf]!);
          acc[r + 1] = f(acc[r + 1]! + slotValue[n1 + leaf]!);
          acc[r + 2] = f(acc[r + 2]! + slotValue[n2 + leaf]!);
          acc[r + 3] = f(acc[r + 3]! + slotValue[n3 + leaf]!);
        } else {
          out[at + r] = leafNode[n0 + leaf]!;
          out[at + r + 1] = leafNode[n1 + leaf]!;
          out[at + r + 2] = leafNode[n2 + leaf]!;
          out[at + r + 3] = leafNode[n3 + leaf]!;
        }
      }
      for (; r < rows; r++) {
        const o = r * width;
        let n = first;
        for (let d = h; d > 0; d--) n = 2 * n + k + +!(x[o + feature[n]!]! <= threshold[n]!);
        if (acc) acc[r] = f(acc[r]! + slotValue[n + leaf]!);
        else out[at + r] = leafNode[n + leaf]!;
      }
    }
  };

  const buffer = scratch();
  const noValues = new Float32Array(0);
  /** The last per-node values summed, laid out by leaf slot. */
  let slots: { of: Float64Array; value: Float32Array | Float64Array } | undefined;
  /** The bundled WASM walker for batches (null: none, or it cannot take these trees); made on the first batch. */
  let wasmWalk: WasmWalker | null | undefined;
  const wasm = () => {
    if (wasmWalk === undefined) wasmWalk = wasmWalker({ feature, threshold, step, toLeaf, leafNode, trees, height: h, branchesPerTree });
    return wasmWalk;
  };
  let walker: BatchWalker | null = null;
  return {
    walk: (x, rows, width) => {
      if (rows >= INTERLEAVED_ROWS) {
        const leaves = x instanceof Float32Array ? (wasm()?.leaves(x, rows, width) ?? null) : null;
        walker = leaves ? 'wasm' : 'javascript';
        if (leaves) return leaves;
      }
      const out = buffer(rows * trees);
      if (rows >= INTERLEAVED_ROWS) walkRows(x, rows, width, out, null, noValues);
      else for (let r = 0; r < rows; r++) walkRow(x, r * width, r, rows, out, null, noValues);
      return out;
    },
    sum: (x, rows, width, values, acc) => {
      if (slots?.of !== values) {
        const value = float32IfExact(values, leafNode.length);
        for (let i = 0; i < leafNode.length; i++) value[i] = values[leafNode[i]!]!;
        slots = { of: values, value };
      }
      if (rows >= INTERLEAVED_ROWS) {
        if (wasm()?.sum(x, rows, width, slots.value, acc)) {
          walker = 'wasm';
          return;
        }
        walker = 'javascript';
        walkRows(x, rows, width, noLeaves, acc, slots.value);
      } else for (let r = 0; r < rows; r++) walkRow(x, r * width, r, rows, noLeaves, acc, slots.value);
    },
    walker: () => walker,
  };
}

const f = Math.fround;
const noLeaves = new Int32Array(0);

/**
 * The linked layout, for any BRANCH_LEQ trees without NaN tracking, branch-free and interleaved. Each node's two
 * children sit side by side (`kids[2n]` true, `kids[2n + 1]` false) and a leaf is its own child (it reads feature
 * 0 against +∞, either way back to itself), so a walk of exactly the tree's height ends on the same leaf as the
 * walk that stops there: every walk of a tree has the same length, and four walks run in lockstep. A NaN fails
 * `<=` and goes false, as in leqWalker. Batches of float32 rows go to the bundled WASM walker instead, when there
 * is one (tree-walker.ts), eight in lockstep.
 */
function linkedLeqLeaves(
  { featureIds, thresholds, trueChild, falseChild }: Structure,
  roots: Int32Array,
  height: Int32Array,
): { walk: NonNullable<TreeEnsemble['batchLeaves']>; walker: () => BatchWalker | null } {
  const count = featureIds.length;
  const kids = new Int32Array(2 * count);
  const feature = new Int32Array(count);
  const threshold = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    const leaf = featureIds[n]! < 0;
    kids[2 * n] = leaf ? n : trueChild[n]!;
    kids[2 * n + 1] = leaf ? n : falseChild[n]!;
    feature[n] = leaf ? 0 : featureIds[n]!;
    threshold[n] = leaf ? Number.POSITIVE_INFINITY : thresholds[n]!;
  }
  const trees = roots.length;
  const buffer = scratch();
  /** The bundled WASM walker for float32 batches (null: none, or it cannot take these trees); made on the first. */
  let wasm: WasmLinkedWalker | null | undefined;
  let walker: BatchWalker | null = null;
  const walk: NonNullable<TreeEnsemble['batchLeaves']> = (x, rows, width) => {
    if (rows < INTERLEAVED_ROWS) return null;
    if (x instanceof Float32Array) {
      if (wasm === undefined) {
        const narrow = float32IfExact(threshold, count);
        narrow.set(threshold);
        wasm = wasmLinkedWalker({ feature, threshold: narrow, kids, roots, heights: height });
      }
      const leaves = wasm?.(x, rows, width) ?? null;
      walker = leaves ? 'wasm' : 'javascript';
      if (leaves) return leaves;
    } else walker = 'javascript';
    const out = buffer(rows * trees);
    for (let t = 0; t < trees; t++) {
      const root = roots[t]!;
      const steps = height[t]!;
      const at = t * rows;
      let r = 0;
      for (; r + 4 <= rows; r += 4) {
        const o0 = r * width;
        const o1 = o0 + width;
        const o2 = o1 + width;
        const o3 = o2 + width;
        let n0 = root;
        let n1 = root;
        let n2 = root;
        let n3 = root;
        for (let d = steps; d > 0; d--) {
          n0 = kids[2 * n0 + +!(x[o0 + feature[n0]!]! <= threshold[n0]!)]!;
          n1 = kids[2 * n1 + +!(x[o1 + feature[n1]!]! <= threshold[n1]!)]!;
          n2 = kids[2 * n2 + +!(x[o2 + feature[n2]!]! <= threshold[n2]!)]!;
          n3 = kids[2 * n3 + +!(x[o3 + feature[n3]!]! <= threshold[n3]!)]!;
        }
        out[at + r] = n0;
        out[at + r + 1] = n1;
        out[at + r + 2] = n2;
        out[at + r + 3] = n3;
      }
      for (; r < rows; r++) {
        const o = r * width;
        let n = root;
        for (let d = steps; d > 0; d--) n = kids[2 * n + +!(x[o + feature[n]!]! <= threshold[n]!)]!;
        out[at + r] = n;
      }
    }
    return out;
  };
  return { walk, walker: () => walker };
}

/**
 * A float32 array of `length` when every value of `source` is a float32 (NaN too), else a float64 one: float32
 * inputs against float32 thresholds, or leaf values that the FLOATS attributes held, lose nothing in half the bytes.
 */
function float32IfExact(source: Float64Array, length: number): Float32Array | Float64Array {
  for (let i = 0; i < source.length; i++) {
    const v = source[i]!;
    if (f(v) !== v && !Number.isNaN(v)) return new Float64Array(length);
  }
  return new Float32Array(length);
}

/** An array of `length` for feature ids, of the narrowest unsigned type that holds every id in `featureIds`. */
function featureArray(featureIds: Int32Array, length: number): Uint8Array | Uint16Array | Int32Array {
  let max = 0;
  for (let i = 0; i < featureIds.length; i++) max = Math.max(max, featureIds[i]!);
  return max < 256 ? new Uint8Array(length) : max < 65536 ? new Uint16Array(length) : new Int32Array(length);
}

/** Each node's height: the most branches on a path from it down to a leaf (0 for a leaf). The trees have no cycle. */
function treeHeights(featureIds: Int32Array, trueChild: Int32Array, falseChild: Int32Array): Int32Array {
  const count = featureIds.length;
  const height = new Int32Array(count).fill(-1);
  const stack = new Int32Array(count + 1);
  for (let start = 0; start < count; start++) {
    if (height[start] !== -1) continue;
    let depth = 0;
    stack[depth++] = start;
    while (depth > 0) {
      const n = stack[depth - 1]!;
      if (featureIds[n]! < 0) {
        height[n] = 0;
        depth--;
        continue;
      }
      const a = trueChild[n]!;
      const b = falseChild[n]!;
      if (height[a] === -1) stack[depth++] = a;
      else if (height[b] === -1) stack[depth++] = b;
      else {
        height[n] = 1 + Math.max(height[a]!, height[b]!);
        depth--;
      }
    }
  }
  return height;
}

type Structure = Pick<TreeEnsemble, 'featureIds' | 'thresholds' | 'modes' | 'trueChild' | 'falseChild' | 'missingTracksTrue'>;

/** BRANCH_LEQ everywhere and no NaN tracking (LightGBM, XGBoost, Vigil's GBDT): a NaN simply fails `<=`. */
function leqWalker({ featureIds, thresholds, trueChild, falseChild }: Structure): TreeEnsemble['leafFor'] {
  return (root, x, offset) => {
    let n = root;
    let feature = featureIds[n]!;
    while (feature >= 0) {
      n = x[offset + feature]! <= thresholds[n]! ? trueChild[n]! : falseChild[n]!;
      feature = featureIds[n]!;
    }
    return n;
  };
}

function generalWalker({ featureIds, thresholds, modes, trueChild, falseChild, missingTracksTrue }: Structure): TreeEnsemble['leafFor'] {
  return (root, x, offset) => {
    let n = root;
    for (;;) {
      const feature = featureIds[n]!;
      if (feature < 0) return n;
      const v = x[offset + feature]!;
      const t = thresholds[n]!;
      let goTrue: boolean;
      switch (modes[n]) {
        case BRANCH_LEQ:
          goTrue = v <= t;
          break;
        case BRANCH_LT:
          goTrue = v < t;
          break;
        case BRANCH_GTE:
          goTrue = v >= t;
          break;
        case BRANCH_GT:
          goTrue = v > t;
          break;
        case BRANCH_EQ:
          goTrue = v === t;
          break;
        default:
          goTrue = v !== t;
      }
      if (!goTrue && v !== v && missingTracksTrue[n] === 1) goTrue = true;
      n = goTrue ? trueChild[n]! : falseChild[n]!;
    }
  };
}

function hasCycle(roots: readonly number[], modes: Uint8Array, trueChild: Int32Array, falseChild: Int32Array): boolean {
  // 0 unvisited, 1 on the current path, 2 done; iterative DFS so deep trees do not overflow the stack. A node is
  // on the stack at most once (only unvisited nodes are pushed), so the stack never outgrows the node count.
  const state = new Uint8Array(modes.length);
  const stackNode = new Int32Array(modes.length);
  const stackStep = new Uint8Array(modes.length);
  for (const root of roots) {
    if (state[root] === 2) continue;
    let depth = 1;
    stackNode[0] = root;
    stackStep[0] = 0;
    state[root] = 1;
    while (depth > 0) {
      const n = stackNode[depth - 1]!;
      const step = stackStep[depth - 1]!;
      if (modes[n] === LEAF || step === 2) {
        state[n] = 2;
        depth--;
        continue;
      }
      stackStep[depth - 1] = step + 1;
      const child = step === 0 ? trueChild[n]! : falseChild[n]!;
      if (state[child] === 1) return true;
      if (state[child] === 0) {
        state[child] = 1;
        stackNode[depth] = child;
        stackStep[depth] = 0;
        depth++;
      }
    }
  }
  return false;
}

interface TreeRuns {
  /** Per node: the first and one-past-the-last position of its tree. */
  readonly startOf: Int32Array;
  readonly endOf: Int32Array;
  readonly find: (tree: number, id: number) => number | undefined;
}

/**
 * The positions of each tree's nodes when every tree is one run of consecutive nodes numbered 0, 1, 2, … (so no
 * (tree, node) pair repeats); undefined for any other layout.
 */
function treeRuns(treeIds: readonly number[], nodeIds: readonly number[]): TreeRuns | undefined {
  const count = treeIds.length;
  const startOf = new Int32Array(count);
  const endOf = new Int32Array(count);
  const startOfTree = new Map<number, number>();
  let start = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0 || treeIds[i] !== treeIds[i - 1]) {
      for (let j = start; j < i; j++) endOf[j] = i;
      start = i;
      if (startOfTree.has(treeIds[i]!)) return undefined;
      startOfTree.set(treeIds[i]!, i);
    }
    if (nodeIds[i] !== i - start) return undefined;
    startOf[i] = start;
  }
  for (let j = start; j < count; j++) endOf[j] = count;
  return {
    startOf,
    endOf,
    find: (tree, id) => {
      const first = startOfTree.get(tree);
      return first !== undefined && id >= 0 && id < endOf[first]! - first ? first + id : undefined;
    },
  };
}

/** Whether every id is an integer of magnitude below 2^20 (so (tree, node) packs into one exact number). */
function smallIntegers(ids: readonly number[]): boolean {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && Math.abs(id) < 2 ** 20)) return false;
  }
  return true;
}

/**
 * The input as the values trees compare: float32 for float/int inputs (C++ converts int64 and int32 to float
 * against a float threshold), float64 for double input.
 */
export function comparisonValues(x: Tensor): Float32Array | Float64Array {
  switch (x.dtype) {
    case 'float32':
      return x.data as Float32Array;
    case 'float64':
      return x.data as Float64Array;
    case 'int32':
      return Float32Array.from(x.data as Int32Array);
    case 'int64': {
      const data = x.data as BigInt64Array;
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = int64ToFloat32(data[i]!);
      return out;
    }
    default:
      throw new Error(`tree ensembles do not read ${x.dtype} inputs`);
  }
}

/** Rows and row width of a tree ensemble input ([N, F], or [F] as one row), as ONNX Runtime reads them. */
export function rowsAndWidth(x: Tensor): { rows: number; width: number } | undefined {
  if (x.dims.length === 1) return { rows: 1, width: x.dims[0]! };
  if (x.dims.length === 2) return { rows: x.dims[0]!, width: x.dims[1]! };
  return undefined;
}
