/**
 * Turns the trees of an ai.onnx.ml tree ensemble (as the compiled evaluator flattens them) into the forest
 * TreeSHAP walks: splits labelled by player (the original feature of the column they read), the branch decision
 * exactly as ONNX Runtime makes it (all node modes, NaN following `missing_value_tracks_true`), leaf values per
 * output, and each node's share of its parent's cover — from the graph's `nodes_hitrates` when it has them,
 * otherwise from the number of background rows reaching each node.
 *
 * @example
 * const built = buildShapForest({ ensemble, modes, players, playerCount: 9, outputs: 1, leafWeight, cover });
 * if (built.ok) treeShap(built.forest, x, 0, phi);
 */
import type { TreeEnsemble } from '../inference/compiled/ops/tree-ensemble.ts';
import type { ShapForest } from './tree-shap.ts';

const LEAF = 0;
const LEQ = 1;
const LT = 2;
const GTE = 3;
const GT = 4;
const EQ = 5;
const NEQ = 6;
const MODE: Readonly<Record<string, number>> = {
  LEAF,
  BRANCH_LEQ: LEQ,
  BRANCH_LT: LT,
  BRANCH_GTE: GTE,
  BRANCH_GT: GT,
  BRANCH_EQ: EQ,
  BRANCH_NEQ: NEQ,
};

/** Where the cover comes from: the graph's hit rates, or background rows (the tree input, row-major). */
export type CoverSource =
  | { kind: 'graph'; hitrates: readonly number[] }
  | { kind: 'background rows'; x: ArrayLike<number>; rows: number; width: number };

export interface ShapForestInput {
  readonly ensemble: TreeEnsemble;
  /** The `nodes_modes` attribute (one per node, in attribute order). */
  readonly modes: readonly string[];
  /** Per column of the tree input: its player, or a negative number when no single feature feeds it. */
  readonly players: Int32Array;
  readonly playerCount: number;
  readonly outputs: number;
  /** Adds a leaf's `index`-th weight (its target or class id, its value) to the leaf's values per output at `at`. */
  readonly leafWeight: (target: number, value: number, index: number, into: Float64Array, at: number) => void;
  readonly cover: CoverSource;
}

export type BuildShapForestResult = { ok: true; forest: ShapForest } | { ok: false; reason: string };

export function buildShapForest(input: ShapForestInput): BuildShapForestResult {
  const e = input.ensemble;
  const count = e.modes.length;
  const modes = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const name = input.modes[n] ?? '';
    const mode = Object.hasOwn(MODE, name) ? MODE[name] : undefined;
    if (mode === undefined) return { ok: false, reason: `node ${n} has mode "${input.modes[n]}"` };
    modes[n] = mode;
  }
  const player = new Int32Array(count).fill(-1);
  for (let n = 0; n < count; n++) {
    if (modes[n] === LEAF) continue;
    const column = e.featureIds[n]!;
    const p = input.players[column];
    if (p === undefined) return { ok: false, reason: `a split reads column ${column} of a ${input.players.length}-column input` };
    if (p < 0) return { ok: false, reason: `a split reads column ${column}, which no single feature feeds` };
    player[n] = p;
  }
  const { thresholds, missingTracksTrue } = e;
  const goesTrue = (n: number, x: ArrayLike<number>, offset: number): boolean => {
    const v = x[offset + e.featureIds[n]!]!;
    const t = thresholds[n]!;
    let yes: boolean;
    switch (modes[n]) {
      case LEQ:
        yes = v <= t;
        break;
      case LT:
        yes = v < t;
        break;
      case GTE:
        yes = v >= t;
        break;
      case GT:
        yes = v > t;
        break;
      case EQ:
        yes = v === t;
        break;
      default:
        yes = v !== t;
    }
    return yes || (v !== v && missingTracksTrue[n] === 1);
  };

  const K = input.outputs;
  const leafValues = new Float64Array(count * K);
  for (let n = 0; n < count; n++) {
    if (modes[n] !== LEAF) continue;
    const first = e.leafFirstWeight[n]!;
    for (let w = first; w < first + e.leafWeightCount[n]!; w++)
      input.leafWeight(e.weightTargets[w]!, e.weightValues[w]!, w - first, leafValues, n * K);
  }

  let counts: Float64Array;
  if (input.cover.kind === 'graph') {
    counts = Float64Array.from(input.cover.hitrates);
    if (counts.length !== count) return { ok: false, reason: `the graph has ${counts.length} hit rates for ${count} nodes` };
  } else {
    counts = new Float64Array(count);
    const { x, rows, width } = input.cover;
    const { featureIds, trueChild, falseChild } = e;
    // Most exports split by BRANCH_LEQ alone without NaN tracking: a lean loop then (a NaN fails `<=`).
    const leqOnly = modes.every((m) => m === LEAF || m === LEQ) && !missingTracksTrue.includes(1);
    for (let r = 0; r < rows; r++) {
      const offset = r * width;
      for (const root of e.roots) {
        let n = root;
        for (;;) {
          counts[n]! += 1;
          if (modes[n] === LEAF) break;
          const goTrue = leqOnly ? x[offset + featureIds[n]!]! <= thresholds[n]! : goesTrue(n, x, offset);
          n = goTrue ? trueChild[n]! : falseChild[n]!;
        }
      }
    }
  }
  const coverShare = new Float64Array(count);
  let maxDepth = 0;
  for (const root of e.roots) {
    coverShare[root] = 1;
    const stack: [number, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [n, depth] = stack.pop()!;
      if (modes[n] === LEAF) {
        maxDepth = Math.max(maxDepth, depth);
        continue;
      }
      const t = e.trueChild[n]!;
      const f = e.falseChild[n]!;
      const ct = Math.max(counts[t]!, 0);
      const cf = Math.max(counts[f]!, 0);
      // Where no cover reaches a split, its children share equally (any split of 1 keeps the game exact).
      coverShare[t] = ct + cf > 0 ? ct / (ct + cf) : 0.5;
      coverShare[f] = ct + cf > 0 ? cf / (ct + cf) : 0.5;
      stack.push([t, depth + 1], [f, depth + 1]);
    }
  }
  if (counts.some((c) => !Number.isFinite(c))) return { ok: false, reason: 'the cover has a value that is not finite' };

  return {
    ok: true,
    forest: {
      roots: e.roots,
      player,
      trueChild: e.trueChild,
      falseChild: e.falseChild,
      coverShare,
      leafValues,
      outputs: K,
      players: input.playerCount,
      maxDepth,
      goesTrue,
    },
  };
}
