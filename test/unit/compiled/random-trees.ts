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
  positiveWeights: boolean;
  missingTracks: boolean;
  thresholds: readonly number[];
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
        const count = 1 + Math.floor(random() * o.weightsPerLeaf);
        for (let k = 0; k < count; k++) {
          wIds.push(pick(random, o.weightTargets));
          wNodes.push(id);
          wTrees.push(t);
          const w = Math.fround((random() * 2 - (o.positiveWeights ? 0 : 1)) * (random() < 0.1 ? 100 : 1));
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
    build(0);
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
