/**
 * Random tree ensembles for parity tests: trees of every node mode, thresholds from a small pool (so inputs hit
 * them exactly), random missing_value_tracks_true, leaves carrying one or more weights, written as the
 * attributes of TreeEnsembleRegressor / TreeEnsembleClassifier.
 */
import type { onnx as Onnx } from 'onnx-proto';
import { attr } from '../../../cli/onnx/proto.ts';
import { pick } from './parity.ts';

export const ALL_MODES = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ'] as const;

export interface TreeOptions {
  trees: number;
  maxDepth: number;
  features: number;
  modes: readonly string[];
  /** Targets or classes the leaf weights go to. */
  weightTargets: readonly number[];
  /** Most weights per leaf. */
  weightsPerLeaf: number;
  /** Every leaf weighs each of weightTargets once, in that order (as GBDT exports do), instead of at random. */
  denseWeights?: boolean;
  positiveWeights: boolean;
  /** With positiveWeights: every weight negative instead (so a MAX over the trees is below 0). */
  negativeWeights?: boolean;
  missingTracks: boolean;
  thresholds: readonly number[];
  /**
   * Each tree's nodes after its root in random order with its node ids permuted (so children may come before
   * their parent, and ids say nothing about positions); default: depth-first, numbered 0, 1, 2, ….
   */
  shuffled?: boolean;
}

export interface TreeAttributes {
  nodes: Onnx.IAttributeProto[];
  /** Leaf weight lists (ids, node ids, tree ids, weights) under the regressor's or classifier's names. */
  weights: (prefix: 'target' | 'class') => Onnx.IAttributeProto[];
}

export function randomTrees(random: () => number, o: TreeOptions): TreeAttributes {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missing: number[] = [];
  const wIds: number[] = [];
  const wNodes: number[] = [];
  const wTrees: number[] = [];
  const wValues: number[] = [];
  for (let t = 0; t < o.trees; t++) {
    let next = 0;
    // Depth-first, root first (ONNX Runtime takes the first node of each tree as its root).
    const build = (depth: number): number => {
      const id = next++;
      const at = modes.length;
      treeIds.push(t);
      nodeIds.push(id);
      const leaf = depth >= o.maxDepth || (depth > 0 && random() < 0.25);
      if (leaf) {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missing.push(0);
        const count = o.denseWeights ? o.weightTargets.length : 1 + Math.floor(random() * o.weightsPerLeaf);
        for (let k = 0; k < count; k++) {
          wIds.push(o.denseWeights ? o.weightTargets[k]! : pick(random, o.weightTargets));
          wNodes.push(id);
          wTrees.push(t);
          const w = Math.fround((o.negativeWeights ? -1 : 1) * (random() * 2 - (o.positiveWeights ? 0 : 1)) * (random() < 0.1 ? 100 : 1));
          wValues.push(w);
        }
        return id;
      }
      featureIds.push(Math.floor(random() * o.features));
      modes.push(pick(random, o.modes));
      values.push(pick(random, o.thresholds));
      trueIds.push(0);
      falseIds.push(0);
      missing.push(o.missingTracks && random() < 0.5 ? 1 : 0);
      trueIds[at] = build(depth + 1);
      falseIds[at] = build(depth + 1);
      return id;
    };
    const start = treeIds.length - next;
    build(0);
    if (o.shuffled)
      shuffleTree(random, start, next, t, { nodeIds, featureIds, modes, values, trueIds, falseIds, missing }, { wNodes, wTrees });
  }
  const nodes = [
    attr.ints('nodes_treeids', treeIds),
    attr.ints('nodes_nodeids', nodeIds),
    attr.ints('nodes_featureids', featureIds),
    attr.strings('nodes_modes', modes),
    attr.floats('nodes_values', values),
    attr.ints('nodes_truenodeids', trueIds),
    attr.ints('nodes_falsenodeids', falseIds),
    ...(o.missingTracks ? [attr.ints('nodes_missing_value_tracks_true', missing)] : []),
  ];
  return {
    nodes,
    weights: (prefix) => [
      attr.ints(`${prefix}_ids`, wIds),
      attr.ints(`${prefix}_nodeids`, wNodes),
      attr.ints(`${prefix}_treeids`, wTrees),
      attr.floats(`${prefix}_weights`, wValues),
    ],
  };
}

function permutation(random: () => number, size: number): number[] {
  const p = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Reorders tree `tree` (positions start .. start + size, ids 0 .. size − 1 by position) and renumbers its ids. */
function shuffleTree(
  random: () => number,
  start: number,
  size: number,
  tree: number,
  n: {
    nodeIds: number[];
    featureIds: number[];
    modes: string[];
    values: number[];
    trueIds: number[];
    falseIds: number[];
    missing: number[];
  },
  w: { wNodes: number[]; wTrees: number[] },
): void {
  const newId = permutation(random, size);
  // The root stays first: ONNX Runtime starts each tree at its first node.
  const order = [0, ...permutation(random, size - 1).map((i) => i + 1)];
  const old = {
    ...n,
    nodeIds: [...n.nodeIds],
    featureIds: [...n.featureIds],
    modes: [...n.modes],
    values: [...n.values],
    trueIds: [...n.trueIds],
    falseIds: [...n.falseIds],
    missing: [...n.missing],
  };
  order.forEach((from, to) => {
    const a = start + from;
    const b = start + to;
    const leaf = old.modes[a] === 'LEAF';
    n.nodeIds[b] = newId[from]!;
    n.featureIds[b] = old.featureIds[a]!;
    n.modes[b] = old.modes[a]!;
    n.values[b] = old.values[a]!;
    n.missing[b] = old.missing[a]!;
    n.trueIds[b] = leaf ? 0 : newId[old.trueIds[a]!]!;
    n.falseIds[b] = leaf ? 0 : newId[old.falseIds[a]!]!;
  });
  w.wNodes.forEach((id, k) => {
    if (w.wTrees[k] === tree) w.wNodes[k] = newId[id]!;
  });
}

/** A pool of float32 thresholds: round numbers (integers, halves) and a few arbitrary ones. */
export function thresholdPool(random: () => number, count: number): number[] {
  return Array.from({ length: count }, () => {
    const r = random();
    if (r < 0.3) return Math.round(random() * 10 - 5);
    if (r < 0.5) return Math.round(random() * 20 - 10) / 2;
    if (r < 0.55) return 0;
    return Math.fround(random() * 20 - 10);
  });
}
