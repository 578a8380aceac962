import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleTreeWalker } from '../../../cli/lib/tree-walker-wat.ts';
import { attr, DOUBLE, FLOAT, INT32, INT64, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import type { Tensor } from '../../../src/model/tensor.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { OnnxNode } from '../../../src/inference/compiled/onnx-node.ts';
import { readOnnxModel } from '../../../src/inference/compiled/onnx-reader.ts';
import {
  type BatchLayout,
  COLD_SINGLE_ROWS,
  compileTreeEnsemble,
  sumLeafValues,
  type TreeEnsemble,
} from '../../../src/inference/compiled/ops/tree-ensemble.ts';
import { useTreeWalker } from '../../../src/inference/compiled/ops/tree-walker.ts';
import { awkwardFloat, expectParity, graph, ML, ort, printParityReport, prng, sliceRows } from './parity.ts';
import { ensembleNode, leaf, split } from '../explain/test-trees.ts';
import { ALL_MODES, randomTrees, thresholdPool, type TreeOptions } from './random-trees.ts';

afterAll(printParityReport);

const ROWS = 1000;
const FEATURES = 6;
const TRANSFORMS = ['NONE', 'LOGISTIC', 'SOFTMAX', 'SOFTMAX_ZERO', 'PROBIT'] as const;

function input(random: () => number, dtype: 'float32' | 'float64' | 'int64' | 'int32', thresholds: readonly number[]): Tensor {
  const values = Array.from({ length: ROWS * FEATURES }, () => awkwardFloat(random, 12, thresholds));
  const dims = [ROWS, FEATURES];
  switch (dtype) {
    case 'float32':
      return { dtype, data: Float32Array.from(values), dims };
    case 'float64':
      // Doubles just off the float32 thresholds too: trees compare them in double.
      return { dtype, data: Float64Array.from(values, (v) => (random() < 0.1 ? v + 1e-9 : v)), dims };
    case 'int64':
      return {
        dtype,
        data: BigInt64Array.from(values, (v) => BigInt(Number.isFinite(v) ? Math.max(-1e15, Math.min(1e15, Math.round(v))) : 7)),
        dims,
      };
    case 'int32':
      return {
        dtype,
        data: Int32Array.from(values, (v) => (Number.isFinite(v) ? Math.max(-2e9, Math.min(2e9, Math.round(v))) : -3)),
        dims,
      };
  }
}

const ELEMENT = { float32: FLOAT, float64: DOUBLE, int64: INT64, int32: INT32 } as const;

function trees(random: () => number, overrides: Partial<TreeOptions>): ReturnType<typeof randomTrees> & { thresholds: number[] } {
  const thresholds = thresholdPool(random, 12);
  return {
    thresholds,
    ...randomTrees(random, {
      trees: 12,
      maxDepth: 5,
      features: FEATURES,
      modes: ALL_MODES,
      weightTargets: [0],
      weightsPerLeaf: 1,
      positiveWeights: false,
      missingTracks: true,
      thresholds,
      ...overrides,
    }),
  };
}

describe('TreeEnsembleRegressor', () => {
  const cases: [
    string,
    {
      targets: number;
      aggregate: string;
      transform: string;
      base: 'none' | 'one' | 'all';
      dtype: 'float32' | 'float64';
      modes?: readonly string[];
    },
  ][] = [];
  for (const aggregate of ['SUM', 'AVERAGE', 'MIN', 'MAX']) {
    for (const targets of [1, 3]) {
      for (const base of ['none', 'one', 'all'] as const)
        cases.push([
          `${aggregate}, ${targets} target(s), base values ${base}`,
          { targets, aggregate, transform: 'NONE', base, dtype: 'float32' },
        ]);
    }
  }
  for (const transform of TRANSFORMS) {
    cases.push([`post_transform ${transform}, 1 target`, { targets: 1, aggregate: 'SUM', transform, base: 'one', dtype: 'float32' }]);
    cases.push([`post_transform ${transform}, 4 targets`, { targets: 4, aggregate: 'SUM', transform, base: 'all', dtype: 'float32' }]);
  }
  for (const mode of ALL_MODES)
    cases.push([`only ${mode} nodes`, { targets: 1, aggregate: 'SUM', transform: 'NONE', base: 'none', dtype: 'float32', modes: [mode] }]);
  cases.push([
    'float64 input (thresholds, sums in double)',
    { targets: 2, aggregate: 'SUM', transform: 'NONE', base: 'all', dtype: 'float64' },
  ]);
  cases.push([
    'float64 input, AVERAGE with PROBIT',
    { targets: 1, aggregate: 'AVERAGE', transform: 'PROBIT', base: 'one', dtype: 'float64' },
  ]);

  it.each(cases)('matches ONNX Runtime on 1,000 awkward rows: %s', async (label, c) => {
    const random = prng(label.length * 7919 + c.targets);
    const t = trees(random, {
      weightTargets: Array.from({ length: c.targets }, (_, i) => i),
      weightsPerLeaf: c.targets,
      ...(c.modes ? { modes: c.modes } : {}),
    });
    const base = c.base === 'none' ? [] : c.base === 'one' ? [0.25] : Array.from({ length: c.targets }, (_, i) => i - 0.5);
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[c.dtype], ['N', FEATURES])],
      outputs: [tensorInfo('y', FLOAT, ['N', c.targets])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], {
          ...ML,
          attributes: [
            ...t.nodes,
            ...t.weights('target'),
            attr.int('n_targets', c.targets),
            attr.string('aggregate_function', c.aggregate),
            attr.string('post_transform', c.transform),
            ...(base.length ? [attr.floats('base_values', base)] : []),
          ],
        }),
      ],
    });
    if (c.base === 'one' && c.targets > 1) {
      // ONNX Runtime 1.30 rejects the model too (base_values should have 0 or n_targets values).
      await expect(ort.createSession(bytes)).rejects.toThrow(/base_values/);
      expect(compileOnnx(bytes)).toMatchObject({ ok: false, reason: expect.stringMatching(/has 1 base_values for 3 targets/) });
      return;
    }
    await expectParity(`TreeEnsembleRegressor ${label}`, bytes, { x: input(random, c.dtype, t.thresholds) });
  });

  it('matches ONNX Runtime with 150 trees (past its tree-parallel threshold) and no missing-value tracking', async () => {
    const random = prng(150);
    const t = trees(random, { trees: 150, maxDepth: 4, missingTracks: false });
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], { ...ML, attributes: [...t.nodes, ...t.weights('target'), attr.int('n_targets', 1)] }),
      ],
    });
    await expectParity('TreeEnsembleRegressor 150 trees', bytes, { x: input(random, 'float32', t.thresholds) });
  });

  it('matches ONNX Runtime when nodes are not listed depth-first nor numbered by position', async () => {
    const random = prng(4242);
    const t = trees(random, { trees: 20, shuffled: true, weightTargets: [0, 1], weightsPerLeaf: 2 });
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], { ...ML, attributes: [...t.nodes, ...t.weights('target'), attr.int('n_targets', 2)] }),
      ],
    });
    await expectParity('TreeEnsembleRegressor shuffled nodes', bytes, { x: input(random, 'float32', t.thresholds) });
  });

  it('refuses a tree with a cycle, listed in order or not', () => {
    const tree = (treeIds: number[], nodeIds: number[], modes: string[], trueIds: number[], falseIds: number[], leaves: number[]) =>
      graph({
        inputs: [tensorInfo('x', FLOAT, ['N', 2])],
        outputs: [tensorInfo('y', FLOAT, ['N', 1])],
        nodes: [
          node('TreeEnsembleRegressor', ['x'], ['y'], {
            ...ML,
            attributes: [
              attr.ints('nodes_treeids', treeIds),
              attr.ints('nodes_nodeids', nodeIds),
              attr.ints(
                'nodes_featureids',
                nodeIds.map(() => 0),
              ),
              attr.strings('nodes_modes', modes),
              attr.floats(
                'nodes_values',
                nodeIds.map(() => 0.5),
              ),
              attr.ints('nodes_truenodeids', trueIds),
              attr.ints('nodes_falsenodeids', falseIds),
              attr.ints(
                'target_ids',
                leaves.map(() => 0),
              ),
              attr.ints('target_nodeids', leaves),
              attr.ints(
                'target_treeids',
                leaves.map(() => 0),
              ),
              attr.floats(
                'target_weights',
                leaves.map(() => 1),
              ),
              attr.int('n_targets', 1),
            ],
          }),
        ],
      });
    const B = 'BRANCH_LEQ';
    // Numbered by position: node 1 sends its true branch back to the root.
    expect(compileOnnx(tree([0, 0, 0], [0, 1, 2], [B, B, 'LEAF'], [1, 0, 0], [2, 2, 0], [2]))).toEqual({
      ok: false,
      reason: 'node "y" (TreeEnsembleRegressor) has a tree with a cycle',
    });
    // Ids not by position: 0 → 3 → 2 → 3.
    expect(compileOnnx(tree([0, 0, 0, 0], [0, 3, 2, 1], [B, B, B, 'LEAF'], [3, 2, 3, 0], [1, 1, 1, 0], [1]))).toEqual({
      ok: false,
      reason: 'node "y" (TreeEnsembleRegressor) has a tree with a cycle',
    });
    // The same shapes without the cycle compile.
    expect(compileOnnx(tree([0, 0, 0], [0, 1, 2], [B, B, 'LEAF'], [1, 2, 0], [2, 2, 0], [2]))).toMatchObject({ ok: true });
    // A mode that is no node mode is refused, even one named like a property every object has.
    for (const mode of ['BRANCH_LE', 'toString', 'constructor', '__proto__']) {
      expect(compileOnnx(tree([0, 0, 0], [0, 1, 2], [mode, B, 'LEAF'], [1, 2, 0], [2, 2, 0], [2]))).toEqual({
        ok: false,
        reason: `node "y" (TreeEnsembleRegressor) has node mode "${mode}"`,
      });
    }
    expect(compileOnnx(tree([0, 0, 0, 0], [0, 3, 2, 1], [B, B, B, 'LEAF'], [3, 2, 1, 0], [1, 1, 1, 0], [1]))).toMatchObject({ ok: true });
  });
});

describe('TreeEnsembleClassifier', () => {
  type Weighted = 'class 1 only' | 'class 0 only' | 'both classes' | 'all classes';
  interface Case {
    classes: number;
    weighted: Weighted;
    positive: boolean;
    base: number[];
    transform: string;
    labels: 'int64' | 'odd int64' | 'string';
    dtype: 'float32' | 'float64' | 'int64' | 'int32';
    /** Every leaf weighs each weighted class once, in order (GBDT exports; batches sum them per class). */
    dense?: boolean;
  }
  const cases: [string, Case][] = [];
  for (const weighted of ['class 1 only', 'class 0 only', 'both classes'] as const) {
    for (const positive of [true, false]) {
      for (const base of [[], [0.3], [0.2, -0.1]]) {
        for (const transform of TRANSFORMS) {
          cases.push([
            `binary, weights on ${weighted}, ${positive ? 'all positive' : 'mixed'}, ${base.length} base values, ${transform}`,
            { classes: 2, weighted, positive, base, transform, labels: 'int64', dtype: 'float32' },
          ]);
        }
      }
    }
  }
  for (const transform of TRANSFORMS) {
    for (const base of [[], [0.1, -0.2, 0.3, 0]]) {
      cases.push([
        `4 classes, ${base.length} base values, ${transform}`,
        { classes: 4, weighted: 'all classes', positive: false, base, transform, labels: 'int64', dtype: 'float32' },
      ]);
    }
  }
  cases.push([
    '3 classes, string labels',
    { classes: 3, weighted: 'all classes', positive: true, base: [], transform: 'SOFTMAX', labels: 'string', dtype: 'float32' },
  ]);
  cases.push([
    'binary, string labels, class 1 only',
    { classes: 2, weighted: 'class 1 only', positive: false, base: [], transform: 'LOGISTIC', labels: 'string', dtype: 'float32' },
  ]);
  cases.push([
    'binary, labels 10 and 20, both classes',
    { classes: 2, weighted: 'both classes', positive: true, base: [], transform: 'NONE', labels: 'odd int64', dtype: 'float32' },
  ]);
  cases.push([
    'binary, labels 10 and 20, class 1 only',
    { classes: 2, weighted: 'class 1 only', positive: true, base: [], transform: 'NONE', labels: 'odd int64', dtype: 'float32' },
  ]);
  for (const dtype of ['float64', 'int64', 'int32'] as const) {
    cases.push([
      `${dtype} input, 3 classes`,
      { classes: 3, weighted: 'all classes', positive: false, base: [], transform: 'SOFTMAX', labels: 'int64', dtype },
    ]);
    cases.push([
      `${dtype} input, binary class 1 only`,
      { classes: 2, weighted: 'class 1 only', positive: false, base: [], transform: 'LOGISTIC', labels: 'int64', dtype },
    ]);
  }

  for (const dtype of ['float32', 'float64'] as const) {
    for (const [weighted, classes, transform] of [
      ['class 1 only', 2, 'LOGISTIC'],
      ['class 0 only', 2, 'NONE'],
      ['both classes', 2, 'NONE'],
      ['all classes', 4, 'SOFTMAX'],
    ] as const) {
      cases.push([
        `${dtype} input, ${classes} classes, every leaf weighing ${weighted} (dense)`,
        { classes, weighted, positive: false, base: [], transform, labels: 'int64', dtype, dense: true },
      ]);
    }
  }

  it.each(cases)('matches ONNX Runtime on 1,000 awkward rows: %s', async (label, c) => {
    const random = prng([...label].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7));
    const weightTargets =
      c.weighted === 'class 1 only' ? [1] : c.weighted === 'class 0 only' ? [0] : Array.from({ length: c.classes }, (_, i) => i);
    const t = trees(random, {
      weightTargets,
      weightsPerLeaf: c.classes,
      positiveWeights: c.positive,
      // As GBDT exports are: BRANCH_LEQ without NaN tracking, so batches take the batch walk and sum per class.
      ...(c.dense ? { denseWeights: true, modes: ['BRANCH_LEQ'], missingTracks: false } : {}),
    });
    const labelAttr =
      c.labels === 'string'
        ? attr.strings(
            'classlabels_strings',
            Array.from({ length: c.classes }, (_, i) => `class-${i}`),
          )
        : attr.ints(
            'classlabels_int64s',
            Array.from({ length: c.classes }, (_, i) => (c.labels === 'odd int64' ? 10 * (i + 1) : i)),
          );
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[c.dtype], ['N', FEATURES])],
      outputs: [tensorInfo('label', c.labels === 'string' ? STRING : INT64, ['N']), tensorInfo('scores', FLOAT, ['N', c.classes])],
      nodes: [
        node('TreeEnsembleClassifier', ['x'], ['label', 'scores'], {
          ...ML,
          attributes: [
            ...t.nodes,
            ...t.weights('class'),
            labelAttr,
            attr.string('post_transform', c.transform),
            ...(c.base.length ? [attr.floats('base_values', c.base)] : []),
          ],
        }),
      ],
    });
    // Where ORT writes only the first score column the second is leftover memory: refused, not matched.
    const firstColumnOnly =
      c.classes === 2 && c.base.length !== 2 && (c.transform === 'PROBIT' || (c.weighted === 'both classes' && c.base.length === 1));
    const result = compileOnnx(bytes);
    if (firstColumnOnly && c.weighted === 'class 0 only') expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(firstColumnOnly).toBe(true);
      expect(result.reason).toMatch(/second score ONNX Runtime leaves unwritten/);
      return;
    }
    await expectParity(`TreeEnsembleClassifier ${label}`, bytes, { x: input(random, c.dtype, t.thresholds) });
  });

  it('matches ONNX Runtime when nodes are not listed depth-first nor numbered by position', async () => {
    const random = prng(777);
    const t = trees(random, { trees: 20, shuffled: true, weightTargets: [0, 1, 2], weightsPerLeaf: 3 });
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
      outputs: [tensorInfo('label', INT64, ['N']), tensorInfo('scores', FLOAT, ['N', 3])],
      nodes: [
        node('TreeEnsembleClassifier', ['x'], ['label', 'scores'], {
          ...ML,
          attributes: [
            ...t.nodes,
            ...t.weights('class'),
            attr.ints('classlabels_int64s', [0, 1, 2]),
            attr.string('post_transform', 'SOFTMAX'),
          ],
        }),
      ],
    });
    await expectParity('TreeEnsembleClassifier shuffled nodes', bytes, { x: input(random, 'float32', t.thresholds) });
  });
});

const WALKERS = ['javascript', 'wasm'] as const;

// BRANCH_LEQ trees without NaN tracking are what XGBoost, LightGBM and Vigil write.
describe.each(WALKERS)('interleaved walks (BRANCH_LEQ trees without NaN tracking), %s walker', (engine) => {
  // Ensembles built while the module is installed walk batches of float32 rows in the bundled WASM walker.
  beforeAll(async () => useTreeWalker(engine === 'wasm' ? new WebAssembly.Module(await assembleTreeWalker()) : null));
  afterAll(() => useTreeWalker(null));
  // 13 trees (not a multiple of the rows walked together) of uneven heights, so walks that reach a leaf early
  // keep stepping on it while the others go on; NaNs among the inputs.
  // Weights of one sign for MIN (all above 0) and MAX (all below 0), so a row's extreme is never the 0 it starts from.
  const leqTrees = (seed: number, weightTargets: number[], weightsPerLeaf = 1, aggregate = 'SUM', maxDepth = 7) => {
    const random = prng(seed);
    const t = trees(random, {
      trees: 13,
      maxDepth,
      modes: ['BRANCH_LEQ'],
      missingTracks: false,
      weightTargets,
      weightsPerLeaf,
      positiveWeights: aggregate === 'MIN' || aggregate === 'MAX',
      negativeWeights: aggregate === 'MAX',
    });
    return { random, t };
  };
  /** The graph's (first) tree ensemble, compiled. */
  const ensembleOf = (bytes: Uint8Array, targets: number): TreeEnsemble => {
    const read = readOnnxModel(bytes);
    if (!read.ok) throw new Error('the test graph does not read');
    const proto = read.model.graph!.node[0]!;
    const prefix = proto.opType === 'TreeEnsembleClassifier' ? 'class' : 'target';
    const names = { ids: `${prefix}_ids`, nodeIds: `${prefix}_nodeids`, treeIds: `${prefix}_treeids`, weights: `${prefix}_weights` };
    const compiled = compileTreeEnsemble(new OnnxNode(proto, 1), names, targets);
    if (!compiled.ok) throw new Error(compiled.reason);
    return compiled.ensemble;
  };
  /** The layout the graph's (first) tree ensemble walks batches in. */
  const layoutOf = (bytes: Uint8Array, targets: number): BatchLayout | null => ensembleOf(bytes, targets).batchLayout();
  /** The layout, and what walks a batch of rows of `x` (float32 or float64, FEATURES wide) in it. */
  const walkerOf = (bytes: Uint8Array, targets: number, x: Tensor) => {
    const e = ensembleOf(bytes, targets);
    e.batchLeaves!((x.data as Float32Array | Float64Array).subarray(0, 8 * FEATURES), 8, FEATURES);
    return [e.batchLayout(), e.batchWalker()];
  };
  /** What walks float32 batches in the complete layout in this block. */
  const complete = ['complete', engine] as const;
  /** A one-target SUM regressor over float (or double) input. */
  const sumRegressor = (t: ReturnType<typeof trees>, element = FLOAT) =>
    graph({
      inputs: [tensorInfo('x', element, ['N', FEATURES])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], {
          ...ML,
          attributes: [...t.nodes, ...t.weights('target'), attr.int('n_targets', 1)],
        }),
      ],
    });
  const batches = async (label: string, bytes: Uint8Array, x: Tensor) => {
    await expectParity(label, bytes, { x });
    // 2 and 3 rows walk one row at a time; 5 and 7 four rows in lockstep, then one by one; the complete layout walks
    // 8 in lockstep, then 4, then one by one (8, 12, 13, 15); the whole batch is 1,000 rows.
    for (const size of [2, 3, 5, 7, 8, 12, 13, 15]) await expectParity(`${label}, ${size} rows`, bytes, { x: sliceRows(x, 11, size) });
  };

  it('add the leaf values during the walk bit for bit as summing the walked leaves does (float32 rows, complete trees)', () => {
    // Weights over six orders of magnitude, so float32 rounding after every addition shows in the sums.
    const { random, t } = leqTrees(1600, [0]);
    const e = ensembleOf(sumRegressor(t), 1);
    const x = input(random, 'float32', t.thresholds).data as Float32Array;
    const doubles = Float64Array.from(e.leafValues, (v, i) => (i % 3 === 0 ? v * 1e5 : i % 3 === 1 ? v * 1e-1 : v));
    // A cold ensemble leaves small batches to leafFor (see COLD_SINGLE_ROWS) until something builds its walker.
    expect([e.maySum(1), e.maySum(3), e.maySum(4)]).toEqual([false, false, true]);
    expect(e.batchSums(x.subarray(0, 3 * FEATURES), 3, FEATURES, doubles, new Float64Array(3))).toBe(false);
    // Values that are float32 (as every leaf weight is) the WASM walker sums; others only JavaScript does.
    for (const [values, walker] of [
      [doubles, 'javascript'],
      [doubles.map(Math.fround), engine],
    ] as const)
      for (const [from, rows] of [
        [0, 1000],
        [7, 1],
        [9, 2],
        [10, 3],
        [0, 4],
        [3, 7],
        [20, 8],
        [31, 13],
      ] as const) {
        const batch = x.subarray(from * FEATURES, (from + rows) * FEATURES);
        expect(e.maySum(rows)).toBe(true);
        const walked = new Float64Array(rows);
        expect(e.batchSums(batch, rows, FEATURES, values, walked)).toBe(true);
        if (rows >= 4) expect(e.batchWalker()).toBe(walker);
        const leaves = e.batchLeaves!(batch, rows, FEATURES)!;
        const summed = sumLeafValues(values, leaves, e.roots.length, rows, false, new Float64Array(rows));
        expect(walked).toEqual(summed);
        expect(walked.every((v) => v === Math.fround(v))).toBe(true);
      }
    // The linked layout is left to the caller.
    const deep = leqTrees(1601, [0], 1, 'SUM', 14);
    const linked = ensembleOf(sumRegressor(deep.t), 1);
    expect(linked.batchLayout()).toBe('linked');
    expect(linked.batchSums(x.subarray(0, 8 * FEATURES), 8, FEATURES, linked.leafValues, new Float64Array(8))).toBe(false);
  });

  it('lay out depth-limited trees as complete binary trees, and deep or lopsided ones linked', () => {
    const regressor = (maxDepth: number) => sumRegressor(leqTrees(1400 + maxDepth, [0], 1, 'SUM', maxDepth).t);
    expect(layoutOf(regressor(4), 1)).toBe('complete');
    expect(layoutOf(regressor(7), 1)).toBe('complete');
    // Trees up to 14 high: a complete tree of that height would hold 2^14 leaves, most of them padding.
    expect(layoutOf(regressor(14), 1)).toBe('linked');
  });

  it('walk the first single rows of a cold ensemble with leafFor, then build the batch walker for them: same leaves', () => {
    const { random, t } = leqTrees(1500, [0]);
    const e = ensembleOf(sumRegressor(t), 1);
    const x = input(random, 'float32', t.thresholds).data as Float32Array;
    const rows = (r: number, count: number) => x.subarray(r * FEATURES, (r + count) * FEATURES);
    const leafForAll = (r: number) => Array.from(e.roots, (root) => e.leafFor(root, x, r * FEATURES));
    // Cold: single rows and pairs are left to leafFor (null), for COLD_SINGLE_ROWS rows in all.
    let r = 0;
    for (; r < COLD_SINGLE_ROWS; r += 2) {
      expect(e.batchLeaves!(rows(r, 1), 1, FEATURES)).toBeNull();
      expect(e.batchLeaves!(rows(r + 1, 1), 1, FEATURES)).toBeNull();
    }
    // Then the complete layout answers them, leaf for leaf as leafFor (tree-major: [tree * rows + row]).
    for (; r < COLD_SINGLE_ROWS + 40; r += 2) {
      expect(Array.from(e.batchLeaves!(rows(r, 1), 1, FEATURES)!.subarray(0, e.roots.length))).toEqual(leafForAll(r));
      const pair = e.batchLeaves!(rows(r, 2), 2, FEATURES)!;
      expect(Array.from(e.roots, (_, tree) => pair[tree * 2 + 1])).toEqual(leafForAll(r + 1));
    }
    expect(e.batchLayout()).toBe('complete');
  });

  it('walk complete trees over feature ids past 255 and past 65,535 as leafFor and ONNX Runtime do, in batches and alone', async () => {
    // The complete layout keeps feature ids in the narrowest array that holds them (bytes, then 16 bits, then 32).
    const width = 70_002;
    const columns = [
      [0, 255, 256],
      [300, 65_535, 65_536],
      [70_001, 1, 65_537],
      [4, 5, 6],
    ];
    for (const used of [columns.slice(3), columns.slice(0, 1).concat(columns.slice(3)), columns]) {
      const spec = {
        kind: 'regressor' as const,
        width,
        outputs: 1,
        trees: used.map(([a, b, c], t) =>
          split(
            a!,
            'BRANCH_LEQ',
            0,
            split(b!, 'BRANCH_LEQ', -0.5, leaf([0, 1 + t]), leaf([0, 10 + t])),
            split(c!, 'BRANCH_LEQ', 0.5, leaf([0, 100 + t]), leaf([0, 1000 + t])),
          ),
        ),
      };
      const bytes = graph({
        inputs: [tensorInfo('x', FLOAT, ['N', width])],
        outputs: [tensorInfo('y', FLOAT, ['N', 1])],
        nodes: [ensembleNode(spec, 'x', 'y')],
      });
      const e = ensembleOf(bytes, 1);
      const random = prng(1700 + used.length);
      const rows = 9;
      const x = Float32Array.from({ length: rows * width }, () => random() * 2 - 1);
      const batch = e.batchLeaves!(x, rows, width)!.slice(); // the next call reuses the array
      expect([e.batchLayout(), e.batchWalker()]).toEqual(complete);
      for (let r = 0; r < rows; r++) {
        const one = e.batchLeaves!(x.subarray(r * width, (r + 1) * width), 1, width)!;
        for (let tree = 0; tree < e.roots.length; tree++) {
          const expected = e.leafFor(e.roots[tree]!, x, r * width);
          expect([batch[tree * rows + r], one[tree]]).toEqual([expected, expected]);
        }
      }
      await expectParity(`trees over feature ids up to ${Math.max(...used.flat())}`, bytes, {
        x: { dtype: 'float32', data: x, dims: [rows, width] },
      });
    }
  });

  it('build the batch walker on the first batch of four rows or more, however cold', () => {
    const { random, t } = leqTrees(1501, [0]);
    const e = ensembleOf(sumRegressor(t), 1);
    const x = input(random, 'float32', t.thresholds).data as Float32Array;
    expect(e.batchLeaves!(x.subarray(0, 4 * FEATURES), 4, FEATURES)).not.toBeNull();
    expect(e.batchLeaves!(x.subarray(0, FEATURES), 1, FEATURES)).not.toBeNull();
  });

  it('match ONNX Runtime when trees are a single leaf (as LightGBM writes a tree no split helps), some or all', async () => {
    // Per tree: a single leaf, or a stump on feature (t mod FEATURES); weights t + 1 (and −(t + 1) on the false side).
    const ensemble = (leafOnly: (t: number) => boolean, count: number) =>
      graph({
        inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
        outputs: [tensorInfo('y', FLOAT, ['N', 1])],
        nodes: [
          ensembleNode(
            {
              kind: 'regressor',
              width: FEATURES,
              outputs: 1,
              trees: Array.from({ length: count }, (_, t) =>
                leafOnly(t) ? leaf([0, t + 1]) : split(t % FEATURES, 'BRANCH_LEQ', 0.5 * (t % 3), leaf([0, t + 1]), leaf([0, -(t + 1)])),
              ),
            },
            'x',
            'y',
          ),
        ],
      });
    const random = prng(1600);
    const x = input(random, 'float32', [0, 0.5, 1]);
    const some = ensemble((t) => t % 2 === 0, 11);
    expect(layoutOf(some, 1)).toBe('complete');
    await batches('trees of one leaf among stumps', some, x);
    const all = ensemble(() => true, 9);
    expect(layoutOf(all, 1)).toBe('complete');
    await batches('trees of one leaf only', all, x);
  });

  it('match ONNX Runtime on deep trees walked in the linked layout, in batches of every size', async () => {
    const { random, t } = leqTrees(1414, [0], 1, 'SUM', 14);
    const bytes = sumRegressor(t);
    const x = input(random, 'float32', t.thresholds);
    expect(walkerOf(bytes, 1, x)).toEqual(['linked', engine]);
    await batches('linked regressor, deep trees', bytes, x);
  });

  it('match ONNX Runtime for regressors of one target and of two, every aggregate, in batches of every size', async () => {
    for (const aggregate of ['SUM', 'AVERAGE', 'MIN', 'MAX']) {
      for (const targets of [1, 2]) {
        const { random, t } = leqTrees(
          1300 + targets + aggregate.length,
          Array.from({ length: targets }, (_, i) => i),
          1,
          aggregate,
        );
        const bytes = graph({
          inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
          outputs: [tensorInfo('y', FLOAT, ['N', targets])],
          nodes: [
            node('TreeEnsembleRegressor', ['x'], ['y'], {
              ...ML,
              attributes: [
                ...t.nodes,
                ...t.weights('target'),
                attr.int('n_targets', targets),
                attr.string('aggregate_function', aggregate),
                attr.floats('base_values', [0.5, -1].slice(0, targets)),
              ],
            }),
          ],
        });
        const x = input(random, 'float32', t.thresholds);
        expect(Array.from(x.data as Float32Array).some(Number.isNaN)).toBe(true);
        expect(walkerOf(bytes, targets, x)).toEqual(complete);
        await batches(`interleaved regressor, ${aggregate}, ${targets} target(s)`, bytes, x);
      }
    }
  });

  it('match ONNX Runtime on double input (compared in double), in batches of every size', async () => {
    const { random, t } = leqTrees(1364, [0]);
    const bytes = sumRegressor(t, DOUBLE);
    const x = input(random, 'float64', t.thresholds);
    // The WASM walker takes float32 rows only.
    expect(walkerOf(bytes, 1, x)).toEqual(['complete', 'javascript']);
    await batches('interleaved regressor, double input', bytes, x);
  });

  it('match ONNX Runtime for classifiers (binary, and 3 classes with several weights per leaf), in batches of every size', async () => {
    for (const classes of [2, 3]) {
      const { random, t } = leqTrees(1313 + classes, classes === 2 ? [0, 1] : [0, 1, 2], classes === 2 ? 1 : 3);
      const bytes = graph({
        inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
        outputs: [tensorInfo('label', INT64, ['N']), tensorInfo('probabilities', FLOAT, ['N', classes])],
        nodes: [
          node('TreeEnsembleClassifier', ['x'], ['label', 'probabilities'], {
            ...ML,
            attributes: [
              ...t.nodes,
              ...t.weights('class'),
              attr.ints('classlabels_int64s', classes === 2 ? [0, 1] : [0, 1, 2]),
              attr.string('post_transform', classes === 2 ? 'LOGISTIC' : 'SOFTMAX'),
            ],
          }),
        ],
      });
      const x = input(random, 'float32', t.thresholds);
      expect(walkerOf(bytes, classes, x)).toEqual(complete);
      await batches(`interleaved classifier, ${classes} classes`, bytes, x);
    }
  });
});
