import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { attr, encodeModel, FLOAT, int64Tensor, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileExplainer, type Explainer, type Explanation } from '../../../src/explain/index.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { compileEncoder } from '../../../src/model/encoding.ts';
import type { Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type EncodingColumn, type Manifest } from '../../../src/model/manifest.ts';
import { categoryFeature, matrixManifest, numberFeature, prng, randomRows } from './test-manifests.ts';
import {
  bruteForceShapley,
  coverCounts,
  ensembleGraph,
  ensembleNode,
  leaf,
  randomTree,
  split,
  type EnsembleSpec,
  type TestLeaf,
  type TestTree,
} from './test-trees.ts';

const TOLERANCE = 1e-6;

function explainerFor(m: Manifest, bytes: Uint8Array, background: readonly Row[]): Explainer {
  const compiled = compileExplainer(m, bytes, { background });
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.explainer;
}

/** Leaf values per output the way the ensemble sums them (one target: the leaf's first weight). */
function leafValueOf(spec: EnsembleSpec, outputs: number, only?: number): (l: TestLeaf) => number[] {
  return (l) => {
    const out = new Array<number>(outputs).fill(0);
    if (spec.kind === 'regressor' && spec.outputs === 1) out[0] = l.weights[0]![1];
    else
      for (const [k, w] of l.weights)
        if (only === undefined) out[k]! += w;
        else if (k === only) out[0]! += w;
    return out;
  };
}

/** Checks every explanation against the brute-force Shapley values of the path-dependent game. */
function expectBruteForce(
  m: Manifest,
  spec: EnsembleSpec,
  explanations: Explanation[],
  rows: readonly Row[],
  background: readonly Row[],
  o: { players: number[]; offsets: number[]; only?: number },
): number {
  const encoder = compileEncoder(m);
  const bg = encoder.encode(background);
  const counts = coverCounts(spec.trees, bg, background.length, encoder.width);
  const outputs = o.offsets.length;
  const game = {
    trees: spec.trees,
    players: o.players,
    playerCount: m.features.length,
    leafValue: leafValueOf(spec, outputs, o.only),
    outputs,
    counts,
  };
  const x = encoder.encode(rows);
  let worst = 0;
  rows.forEach((_, r) => {
    const row = x.subarray(r * encoder.width, (r + 1) * encoder.width);
    const phi = bruteForceShapley(game, row);
    const e = explanations[r]!;
    m.features.forEach((f, j) => {
      for (let k = 0; k < outputs; k++) worst = Math.max(worst, Math.abs(e.contributions[f.name]![k]! - phi[j]![k]!));
    });
    for (let k = 0; k < outputs; k++) {
      const sum = m.features.reduce((s, f) => s + e.contributions[f.name]![k]!, 0);
      expect(Math.abs(sum - (e.prediction[k]! - e.base_value[k]!))).toBeLessThan(TOLERANCE);
    }
  });
  expect(worst).toBeLessThan(TOLERANCE);
  return worst;
}

const fourNumbers = () => ['a', 'b', 'c', 'd'].map((n) => numberFeature(n));
const valueColumns = (names: readonly string[]): EncodingColumn[] => names.map((feature) => ({ transform: 'value', feature }));

describe('TreeSHAP', () => {
  it(
    'equals brute-force Shapley values on a hand-built regressor with every node mode, ' +
      'NaN routing and a feature split twice on one path',
    () => {
      const trees: TestTree[] = [
        split(
          0,
          'BRANCH_LEQ',
          0.5,
          split(1, 'BRANCH_LT', 1, leaf([0, 1.5]), leaf([0, -2])),
          split(0, 'BRANCH_GT', 2, leaf([0, 3]), split(2, 'BRANCH_EQ', 1, leaf([0, 0.25]), leaf([0, -1]), true)),
        ),
        split(
          2,
          'BRANCH_GTE',
          -1,
          split(3, 'BRANCH_NEQ', 0, leaf([0, 2]), leaf([0, -0.5]), true),
          split(0, 'BRANCH_LEQ', -1, leaf([0, 1]), leaf([0, 4])),
          true,
        ),
        leaf([0, 0.75]),
      ];
      const spec: EnsembleSpec = { kind: 'regressor', trees, width: 4, outputs: 1, baseValues: [10] };
      const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']));
      const random = prng(1);
      const pool = [0.5, 1, 2, -1, 0];
      const background = randomRows(m, 40, random, pool);
      const rows = randomRows(m, 30, random, pool, 0.25);
      const explainer = explainerFor(m, ensembleGraph(spec), background);
      expect(explainer.info).toMatchObject({
        method: 'tree_shap',
        space: 'raw',
        outputs: ['value'],
        cover: 'background rows',
        reference: 'background rows',
        background_rows: 40,
      });
      const explanations = explainer.explain(rows);
      expectBruteForce(m, spec, explanations, rows, background, { players: [0, 1, 2, 3], offsets: [10] });
    },
  );

  it('gives the raw score and base value: leaves summed plus base_values, the base the cover-weighted mean', () => {
    const trees = [split(0, 'BRANCH_LEQ', 0, leaf([0, 1]), leaf([0, 3]))];
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']));
    // Three background rows go left (a ≤ 0), one right: E = (3·1 + 1·3)/4 = 1.5, plus the base value 10.
    const background: Row[] = [
      [-1, 0, 0, 0],
      [-2, 0, 0, 0],
      [0, 0, 0, 0],
      [1, 0, 0, 0],
    ];
    const [e] = explainerFor(m, ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1, baseValues: [10] }), background).explain([
      [2, 0, 0, 0],
    ]);
    expect(e!.prediction).toEqual([13]);
    expect(e!.base_value).toEqual([11.5]);
    expect(e!.contributions).toEqual({ a: [1.5], b: [0], c: [0], d: [0] });
  });

  it(
    'equals brute force on random ensembles of every mode, depth and NaN routing, ' +
      'grouping one-hot and is_null columns by feature (regression, two targets)',
    () => {
      const features = [
        numberFeature('a'),
        categoryFeature('color', { red: 0.5, green: 0.3, blue: 0.2 }, 0.1),
        numberFeature('b'),
        numberFeature('c'),
      ];
      const columns: EncodingColumn[] = [
        { transform: 'value', feature: 'a' },
        { transform: 'is_null', feature: 'a' },
        { transform: 'one_hot', feature: 'color', categories: ['red', 'green', 'blue'] },
        { transform: 'value', feature: 'b' },
        { transform: 'numeric', feature: 'c', impute: 0.5 },
      ];
      const players = [0, 0, 1, 1, 1, 2, 3];
      const m = matrixManifest(features, columns);
      let worst = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const random = prng(seed);
        const pool = [0, 0.5, 1, -1, 1.5];
        const depth = 2 + (seed % 4);
        const targets = seed % 2 === 0 ? 2 : 1;
        const trees = Array.from({ length: 2 + (seed % 3) }, () =>
          randomTree(random, { depth, columns: 7, pool, outputs: targets, weightsPerLeaf: 2 }),
        );
        const spec: EnsembleSpec = { kind: 'regressor', trees, width: 7, outputs: targets, baseValues: targets === 2 ? [1, -1] : [0.5] };
        // Few background rows, so some nodes see none (their children then share the cover equally).
        const background = randomRows(m, 5 + seed * 3, random, pool);
        const rows = randomRows(m, 12, random, pool, 0.3);
        const explanations = explainerFor(m, ensembleGraph(spec), background).explain(rows);
        worst = Math.max(
          worst,
          expectBruteForce(m, spec, explanations, rows, background, { players, offsets: targets === 2 ? [1, -1] : [0.5] }),
        );
      }
      console.log(`TreeSHAP vs brute force, random regressors: max |difference| ${worst.toExponential(2)}`);
    },
  );

  it('equals brute force per class on random multiclass classifiers, base values added per class', () => {
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']), 'multiclass_classification', ['x', 'y', 'z']);
    let worst = 0;
    for (let seed = 20; seed < 28; seed++) {
      const random = prng(seed);
      const pool = [0, 0.5, -0.5, 2];
      const trees = Array.from({ length: 3 }, () =>
        randomTree(random, { depth: 2 + (seed % 3), columns: 4, pool, outputs: 3, weightsPerLeaf: 3 }),
      );
      const spec: EnsembleSpec = { kind: 'classifier', trees, width: 4, outputs: 3, baseValues: [0.1, 0.2, 0.3], postTransform: 'SOFTMAX' };
      const background = randomRows(m, 30, random, pool);
      const rows = randomRows(m, 10, random, pool, 0.3);
      const explainer = explainerFor(m, ensembleGraph(spec), background);
      expect(explainer.info).toMatchObject({ method: 'tree_shap', space: 'raw', outputs: ['x', 'y', 'z'], transform: 'SOFTMAX' });
      worst = Math.max(
        worst,
        expectBruteForce(m, spec, explainer.explain(rows), rows, background, { players: [0, 1, 2, 3], offsets: [0.1, 0.2, 0.3] }),
      );
    }
    console.log(`TreeSHAP vs brute force, random 3-class classifiers: max |difference| ${worst.toExponential(2)}`);
  });

  it("explains the single positive-class margin of a binary classifier weighting one class (ONNX Runtime's binary case)", () => {
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']), 'binary_classification', ['no', 'yes']);
    const random = prng(5);
    const pool = [0, 1];
    // XGBoost's export: every weight on class 0, one base value (the margin), LOGISTIC.
    const trees = Array.from({ length: 4 }, () => randomTree(random, { depth: 3, columns: 4, pool, outputs: 1, weightsPerLeaf: 1 }));
    const spec: EnsembleSpec = { kind: 'classifier', trees, width: 4, outputs: 2, baseValues: [-0.25], postTransform: 'LOGISTIC' };
    const bytes = ensembleGraph(spec);
    const background = randomRows(m, 30, random, pool);
    const rows = randomRows(m, 10, random, pool);
    const explainer = explainerFor(m, bytes, background);
    expect(explainer.info).toMatchObject({ method: 'tree_shap', outputs: ['yes'], transform: 'LOGISTIC' });
    const explanations = explainer.explain(rows);
    expectBruteForce(m, spec, explanations, rows, background, { players: [0, 1, 2, 3], offsets: [-0.25], only: 0 });
    // The margin is the served probability's logit.
    const session = compileOnnx(bytes);
    if (!session.ok) throw new Error(session.reason);
    const probabilities = session.session.runSync(
      { input: { dtype: 'float32', data: compileEncoder(m).encode(rows), dims: [rows.length, 4] } },
      ['output'],
    )['output']!.data as Float32Array;
    explanations.forEach((e, r) => expect(1 / (1 + Math.exp(-e.prediction[0]!))).toBeCloseTo(probabilities[r * 2 + 1]!, 6));
  });

  it('takes the cover from nodes_hitrates when the graph has them', () => {
    const trees: TestTree[] = [split(0, 'BRANCH_LEQ', 0, split(1, 'BRANCH_LEQ', 0, leaf([0, 1]), leaf([0, 2])), leaf([0, 4]))];
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']));
    const bytes = ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1 });
    // Hit rates in node order (root, left split, its two leaves, right leaf): 10 = 8 + 2, 8 = 6 + 2.
    const withHitrates = addFloatsAttribute(bytes, 'nodes_hitrates', [10, 8, 6, 2, 2]);
    const explainer = explainerFor(m, withHitrates, [[5, 5, 0, 0]]);
    expect(explainer.info).toMatchObject({ cover: 'graph', reference: 'graph' });
    const [e] = explainer.explain([[-1, 1, 0, 0]]);
    // E = 0.6·1 + 0.2·2 + 0.2·4 = 1.8; f = 2.
    expect(e!.base_value[0]).toBeCloseTo(1.8, 12);
    expect(e!.prediction).toEqual([2]);
    const counts = new Map<TestTree, number>();
    const root = trees[0] as Extract<TestTree, { yes: TestTree }>;
    const left = root.yes as Extract<TestTree, { yes: TestTree }>;
    counts.set(root, 10).set(left, 8).set(left.yes, 6).set(left.no, 2).set(root.no, 2);
    const phi = bruteForceShapley(
      { trees, players: [0, 1, 2, 3], playerCount: 4, leafValue: (l) => [l.weights[0]![1]], outputs: 1, counts },
      [-1, 1, 0, 0],
    );
    expect(e!.contributions['a']![0]).toBeCloseTo(phi[0]![0]!, 12);
    expect(e!.contributions['b']![0]).toBeCloseTo(phi[1]![0]!, 12);
  });

  it('divides by the number of trees for AVERAGE and refuses MIN, falling back to sampling', () => {
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']));
    const trees = [split(0, 'BRANCH_LEQ', 0, leaf([0, 2]), leaf([0, 4])), split(1, 'BRANCH_LEQ', 0, leaf([0, 6]), leaf([0, 8]))];
    const background: Row[] = [
      [-1, -1, 0, 0],
      [1, 1, 0, 0],
    ];
    const [e] = explainerFor(
      m,
      ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1, aggregate: 'AVERAGE' }),
      background,
    ).explain([[1, -1, 0, 0]]);
    expect(e!.prediction).toEqual([5]);
    expect(e!.base_value).toEqual([5]);
    // Each tree counts half: a moves tree 1 from its mean 3 to 4, b tree 2 from 7 to 6.
    expect(e!.contributions['a']).toEqual([0.5]);
    expect(e!.contributions['b']).toEqual([-0.5]);
    const min = compileExplainer(m, ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1, aggregate: 'MIN' }), { background });
    expect(min.ok && min.explainer.info).toMatchObject({ method: 'sampling_shapley', fallback_reason: expect.stringContaining('MIN') });
    const forced = compileExplainer(m, ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1, aggregate: 'MIN' }), {
      background,
      method: 'tree_shap',
    });
    expect(forced).toEqual({ ok: false, reason: expect.stringContaining('MIN') });
  });

  it("explains trees behind the graph's own preprocessing (Imputer, OneHotEncoder, Reshape, Concat), grouped back to the inputs", () => {
    const features = [numberFeature('x'), categoryFeature('c', { a: 0.5, b: 0.25, z: 0.25 })];
    const parsedManifest = parseManifest({
      ...matrixManifest(features, [
        { transform: 'value', feature: 'x' },
        { transform: 'one_hot', feature: 'c', categories: ['a', 'b', 'z'] },
      ]),
      encoding: {
        inputs: [
          { name: 'x', dtype: 'float32', rank: 2, columns: [{ transform: 'value', feature: 'x' }] },
          { name: 'c', dtype: 'string', rank: 2, columns: [{ transform: 'value', feature: 'c' }] },
        ],
      },
      golden: [{ instance: {}, encoded: { x: [0], c: ['a'] }, expected: { value: 0 } }],
    });
    if (!parsedManifest.ok) throw new Error(JSON.stringify(parsedManifest.issues));
    const m = parsedManifest.manifest;
    const random = prng(31);
    const pool = [0, 0.5, 1, 7];
    const trees = Array.from({ length: 4 }, () => randomTree(random, { depth: 3, columns: 4, pool, outputs: 1, weightsPerLeaf: 1 }));
    const spec: EnsembleSpec = { kind: 'regressor', trees, width: 4, outputs: 1, baseValues: [1] };
    const bytes = encodeModel({
      graphName: 'pipeline',
      producerVersion: 'test',
      usesMl: true,
      inputs: [tensorInfo('x', FLOAT, ['N', 1]), tensorInfo('c', STRING, ['N', 1])],
      outputs: [tensorInfo('output', FLOAT, ['N', 1])],
      initializers: [int64Tensor('shape', [2], [-1, 3])],
      nodes: [
        node('Imputer', ['x'], ['xi'], {
          domain: 'ai.onnx.ml',
          attributes: [attr.floats('imputed_value_floats', [7]), attr.float('replaced_value_float', Number.NaN)],
        }),
        node('OneHotEncoder', ['c'], ['ch'], { domain: 'ai.onnx.ml', attributes: [attr.strings('cats_strings', ['a', 'b', 'z'])] }),
        node('Reshape', ['ch', 'shape'], ['cr']),
        node('Concat', ['xi', 'cr'], ['features'], { attributes: [attr.int('axis', 1)] }),
        ensembleNode(spec, 'features', 'output'),
      ],
    });
    const background = randomRows(m, 40, random, pool, 0.3);
    const rows = randomRows(m, 15, random, pool, 0.3);
    const explainer = explainerFor(m, bytes, background);
    expect(explainer.info).toMatchObject({ method: 'tree_shap', cover: 'background rows' });
    // The trees' input by hand: x imputed with 7, c one-hot.
    const encode = (rs: readonly Row[]) =>
      Float32Array.from(rs.flatMap((r) => [r[0] === null ? 7 : (r[0] as number), ...['a', 'b', 'z'].map((cat) => (r[1] === cat ? 1 : 0))]));
    const counts = coverCounts(trees, encode(background), background.length, 4);
    const game = { trees, players: [0, 1, 1, 1], playerCount: 2, leafValue: (l: TestLeaf) => [l.weights[0]![1]], outputs: 1, counts };
    const x = encode(rows);
    explainer.explain(rows).forEach((e, r) => {
      const phi = bruteForceShapley(game, x.subarray(r * 4, (r + 1) * 4));
      expect(Math.abs(e.contributions['x']![0]! - phi[0]![0]!)).toBeLessThan(TOLERANCE);
      expect(Math.abs(e.contributions['c']![0]! - phi[1]![0]!)).toBeLessThan(TOLERANCE);
    });
  });

  it('gives all of a prediction to the only feature a tree reads, and nothing to the others', () => {
    const m = matrixManifest(fourNumbers(), valueColumns(['a', 'b', 'c', 'd']));
    const trees = [split(2, 'BRANCH_LT', 0.5, split(2, 'BRANCH_GTE', -0.5, leaf([0, 1]), leaf([0, 2])), leaf([0, 3]))];
    const random = prng(9);
    const background = randomRows(m, 50, random);
    const rows = randomRows(m, 20, random);
    for (const e of explainerFor(m, ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1 }), background).explain(rows)) {
      expect(e.contributions['a']).toEqual([0]);
      expect(e.contributions['c']![0]).toBeCloseTo(e.prediction[0]! - e.base_value[0]!, 12);
    }
  });
});

/** The graph with a FLOATS attribute added to its first node. */
function addFloatsAttribute(bytes: Uint8Array, name: string, values: number[]): Uint8Array {
  return withFirstNode(bytes, (node) => node.attribute!.push({ name, type: 6, floats: values }));
}

function withFirstNode(bytes: Uint8Array, change: (node: Onnx.INodeProto) => void): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  change(model.graph!.node![0]!);
  return onnx.ModelProto.encode(model).finish();
}
