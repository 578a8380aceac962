/**
 * Tree ensembles as plain objects for explanation tests: written as ai.onnx.ml TreeEnsembleRegressor /
 * TreeEnsembleClassifier graphs, walked by their own decision function (all node modes, NaN tracking), with their
 * own cover from background rows, and brute-force Shapley values of the path-dependent game (every subset of
 * features, E[f | x_S] by the cover-weighted traversal) — independent of src/explain.
 */
import type { onnx as Onnx } from 'onnx-proto';
import { attr, encodeModel, FLOAT, INT64, node, tensorInfo } from '../../../cli/onnx/proto.ts';

export const MODES = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ'] as const;
export type Mode = (typeof MODES)[number];

export interface TestLeaf {
  /** [target or class id, weight] pairs. */
  weights: [number, number][];
}

export interface TestSplit {
  column: number;
  mode: Mode;
  threshold: number;
  missingTrue: boolean;
  yes: TestTree;
  no: TestTree;
}

export type TestTree = TestLeaf | TestSplit;

export const isLeaf = (t: TestTree): t is TestLeaf => 'weights' in t;

export function leaf(...weights: [number, number][]): TestLeaf {
  return { weights: weights.map(([k, w]) => [k, Math.fround(w)]) };
}

export function split(column: number, mode: Mode, threshold: number, yes: TestTree, no: TestTree, missingTrue = false): TestSplit {
  return { column, mode, threshold: Math.fround(threshold), missingTrue, yes, no };
}

/** The branch ONNX Runtime takes (float32 values against float32 thresholds). */
export function goesYes(s: TestSplit, x: ArrayLike<number>): boolean {
  const v = x[s.column]!;
  const t = s.threshold;
  const yes = { BRANCH_LEQ: v <= t, BRANCH_LT: v < t, BRANCH_GTE: v >= t, BRANCH_GT: v > t, BRANCH_EQ: v === t, BRANCH_NEQ: v !== t }[
    s.mode
  ];
  return yes || (Number.isNaN(v) && s.missingTrue);
}

export interface EnsembleSpec {
  kind: 'regressor' | 'classifier';
  trees: readonly TestTree[];
  width: number;
  /** Targets (regressor) or classes (classifier). */
  outputs: number;
  baseValues?: number[];
  postTransform?: string;
  aggregate?: string;
}

export const INPUT = 'input';
export const OUTPUT = 'output';

/** The TreeEnsembleRegressor (output `output`) or TreeEnsembleClassifier (outputs `label`, `output`) node reading `input`. */
export function ensembleNode(spec: EnsembleSpec, input: string, output: string): Onnx.INodeProto {
  const n = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    missing: [] as number[],
  };
  const w = { ids: [] as number[], nodeIds: [] as number[], treeIds: [] as number[], values: [] as number[] };
  spec.trees.forEach((tree, t) => {
    let next = 0;
    const visit = (x: TestTree): number => {
      const id = next++;
      const at = n.modes.length;
      n.treeIds.push(t);
      n.nodeIds.push(id);
      if (isLeaf(x)) {
        n.featureIds.push(0);
        n.modes.push('LEAF');
        n.values.push(0);
        n.trueIds.push(0);
        n.falseIds.push(0);
        n.missing.push(0);
        for (const [k, v] of x.weights) {
          w.ids.push(k);
          w.nodeIds.push(id);
          w.treeIds.push(t);
          w.values.push(v);
        }
        return id;
      }
      n.featureIds.push(x.column);
      n.modes.push(x.mode);
      n.values.push(x.threshold);
      n.trueIds.push(0);
      n.falseIds.push(0);
      n.missing.push(x.missingTrue ? 1 : 0);
      n.trueIds[at] = visit(x.yes);
      n.falseIds[at] = visit(x.no);
      return id;
    };
    visit(tree);
  });
  const prefix = spec.kind === 'regressor' ? 'target' : 'class';
  const attributes = [
    attr.ints('nodes_treeids', n.treeIds),
    attr.ints('nodes_nodeids', n.nodeIds),
    attr.ints('nodes_featureids', n.featureIds),
    attr.strings('nodes_modes', n.modes),
    attr.floats('nodes_values', n.values),
    attr.ints('nodes_truenodeids', n.trueIds),
    attr.ints('nodes_falsenodeids', n.falseIds),
    attr.ints('nodes_missing_value_tracks_true', n.missing),
    attr.ints(`${prefix}_ids`, w.ids),
    attr.ints(`${prefix}_nodeids`, w.nodeIds),
    attr.ints(`${prefix}_treeids`, w.treeIds),
    attr.floats(`${prefix}_weights`, w.values),
    attr.string('post_transform', spec.postTransform ?? 'NONE'),
    ...(spec.baseValues ? [attr.floats('base_values', spec.baseValues)] : []),
  ];
  if (spec.kind === 'regressor') {
    return node('TreeEnsembleRegressor', [input], [output], {
      domain: 'ai.onnx.ml',
      attributes: [...attributes, attr.int('n_targets', spec.outputs), attr.string('aggregate_function', spec.aggregate ?? 'SUM')],
    });
  }
  return node('TreeEnsembleClassifier', [input], ['label', output], {
    domain: 'ai.onnx.ml',
    attributes: [
      ...attributes,
      attr.ints(
        'classlabels_int64s',
        Array.from({ length: spec.outputs }, (_, k) => k),
      ),
    ],
  });
}

/** A model of the ensemble alone: input `input` [N, width] float, output `output`. */
export function ensembleGraph(spec: EnsembleSpec): Uint8Array {
  return encodeModel({
    graphName: 'test-trees',
    producerVersion: 'test',
    usesMl: true,
    inputs: [tensorInfo(INPUT, FLOAT, ['N', spec.width])],
    outputs:
      spec.kind === 'regressor'
        ? [tensorInfo(OUTPUT, FLOAT, ['N', spec.outputs])]
        : [tensorInfo('label', INT64, ['N']), tensorInfo(OUTPUT, FLOAT, ['N', spec.outputs])],
    nodes: [ensembleNode(spec, INPUT, OUTPUT)],
  });
}

/** Background rows reaching each node, by walking the encoded rows (row-major, `width` values each). */
export function coverCounts(trees: readonly TestTree[], x: ArrayLike<number>, rows: number, width: number): Map<TestTree, number> {
  const counts = new Map<TestTree, number>();
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: width }, (_, c) => x[r * width + c]!);
    for (const tree of trees) {
      let t: TestTree = tree;
      for (;;) {
        counts.set(t, (counts.get(t) ?? 0) + 1);
        if (isLeaf(t)) break;
        t = goesYes(t, row) ? t.yes : t.no;
      }
    }
  }
  return counts;
}

export interface BruteForceGame {
  trees: readonly TestTree[];
  /** Player of each column. */
  players: readonly number[];
  playerCount: number;
  /** The leaf's value for each output. */
  leafValue: (leaf: TestLeaf) => number[];
  outputs: number;
  counts: Map<TestTree, number>;
}

/** E[f(x) | x_S] of the path-dependent game, for the players in `mask`. */
function conditional(game: BruteForceGame, x: ArrayLike<number>, mask: number): number[] {
  const out = new Array<number>(game.outputs).fill(0);
  const visit = (t: TestTree, weight: number): void => {
    if (weight === 0) return;
    if (isLeaf(t)) {
      game.leafValue(t).forEach((v, k) => (out[k]! += weight * v));
      return;
    }
    if (mask & (1 << game.players[t.column]!)) return visit(goesYes(t, x) ? t.yes : t.no, weight);
    const cy = game.counts.get(t.yes) ?? 0;
    const cn = game.counts.get(t.no) ?? 0;
    visit(t.yes, weight * (cy + cn > 0 ? cy / (cy + cn) : 0.5));
    visit(t.no, weight * (cy + cn > 0 ? cn / (cy + cn) : 0.5));
  };
  for (const tree of game.trees) visit(tree, 1);
  return out;
}

/** Shapley values by enumerating every subset: φ[player][output]. */
export function bruteForceShapley(game: BruteForceGame, x: ArrayLike<number>): number[][] {
  return shapleyFromGame(game.playerCount, game.outputs, (mask) => conditional(game, x, mask));
}

/** Shapley values of any game v over `players` players (bitmask coalitions): φ[player][output]. */
export function shapleyFromGame(players: number, outputs: number, v: (mask: number) => number[]): number[][] {
  const values = Array.from({ length: 1 << players }, (_, mask) => v(mask));
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = Array.from({ length: players }, () => new Array<number>(outputs).fill(0));
  for (let j = 0; j < players; j++) {
    for (let mask = 0; mask < 1 << players; mask++) {
      if (mask & (1 << j)) continue;
      let size = 0;
      for (let b = mask; b; b &= b - 1) size++;
      const weight = (factorial(size) * factorial(players - size - 1)) / factorial(players);
      for (let k = 0; k < outputs; k++) phi[j]![k]! += weight * (values[mask | (1 << j)]![k]! - values[mask]![k]!);
    }
  }
  return phi;
}

/** A random tree of every node mode, thresholds from `pool`, NaN tracking at random. */
export function randomTree(
  random: () => number,
  o: { depth: number; columns: number; pool: readonly number[]; outputs: number; weightsPerLeaf: number },
): TestTree {
  const build = (depth: number): TestTree => {
    if (depth >= o.depth || (depth > 0 && random() < 0.2)) {
      const count = 1 + Math.floor(random() * o.weightsPerLeaf);
      return leaf(
        ...Array.from({ length: count }, (): [number, number] => [
          Math.floor(random() * o.outputs),
          Math.round((random() * 4 - 2) * 8) / 8,
        ]),
      );
    }
    const mode = MODES[Math.floor(random() * MODES.length)]!;
    return split(
      Math.floor(random() * o.columns),
      mode,
      o.pool[Math.floor(random() * o.pool.length)]!,
      build(depth + 1),
      build(depth + 1),
      random() < 0.5,
    );
  };
  return build(0);
}
