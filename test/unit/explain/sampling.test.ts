import { describe, expect, it } from 'vitest';
import { encodeModel, FLOAT, floatTensor, node, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileExplainer, type Explainer, type Explanation } from '../../../src/explain/index.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { compileEncoder } from '../../../src/model/encoding.ts';
import type { Row } from '../../../src/model/instance-validator.ts';
import type { Manifest } from '../../../src/model/manifest.ts';
import { matrixManifest, numberFeature, prng, randomRows } from './test-manifests.ts';
import { ensembleGraph, leaf, shapleyFromGame, split, type TestTree } from './test-trees.ts';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const W = [2, -1, 0.5, 3, 0];

function linearModel(): { manifest: Manifest; bytes: Uint8Array } {
  const manifest = matrixManifest(
    NAMES.map((n) => numberFeature(n, { nullRate: 0 })),
    NAMES.map((feature) => ({ transform: 'numeric', feature, impute: 0 })),
  );
  const bytes = encodeModel({
    graphName: 'linear',
    producerVersion: 'test',
    inputs: [tensorInfo('input', FLOAT, ['N', 5])],
    outputs: [tensorInfo('output', FLOAT, ['N', 1])],
    initializers: [floatTensor('W', [5, 1], W), floatTensor('b', [1], [1])],
    nodes: [node('MatMul', ['input', 'W'], ['p']), node('Add', ['p', 'b'], ['output'])],
  });
  return { manifest, bytes };
}

/** A tree ensemble with interactions (the second tree reads a and b together). */
function treeModel(): { manifest: Manifest; bytes: Uint8Array } {
  const manifest = matrixManifest(
    ['a', 'b', 'c', 'd'].map((n) => numberFeature(n, { nullRate: 0 })),
    ['a', 'b', 'c', 'd'].map((feature) => ({ transform: 'numeric', feature, impute: 0 })),
  );
  const trees: TestTree[] = [
    split(
      0,
      'BRANCH_LEQ',
      0,
      split(1, 'BRANCH_LEQ', 0.5, leaf([0, 1]), leaf([0, 3])),
      split(2, 'BRANCH_GT', -1, leaf([0, -2]), leaf([0, 5])),
    ),
    split(1, 'BRANCH_LT', 0, split(0, 'BRANCH_GTE', 1, leaf([0, 4]), leaf([0, 0])), split(3, 'BRANCH_LEQ', 0, leaf([0, 2]), leaf([0, -1]))),
  ];
  return { manifest, bytes: ensembleGraph({ kind: 'regressor', trees, width: 4, outputs: 1, baseValues: [0.5] }) };
}

function explainer(
  manifest: Manifest,
  bytes: Uint8Array,
  background: readonly Row[],
  method: 'sampling_shapley' | 'auto' = 'sampling_shapley',
): Explainer {
  const compiled = compileExplainer(manifest, bytes, { background, method });
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.explainer;
}

/** Exact interventional Shapley values: v(S) = mean over the background of f(x on S, background row elsewhere). */
function interventionalShapley(manifest: Manifest, bytes: Uint8Array, background: readonly Row[], x: Row): number[] {
  const compiled = compileOnnx(bytes);
  if (!compiled.ok) throw new Error(compiled.reason);
  const encoder = compileEncoder(manifest);
  const M = x.length;
  const phi = shapleyFromGame(M, 1, (mask) => {
    const rows = background.map((z) => z.map((v, j) => (mask & (1 << j) ? x[j]! : v)));
    const out = compiled.session.runSync({ input: { dtype: 'float32', data: encoder.encode(rows), dims: [rows.length, encoder.width] } }, [
      'output',
    ])['output']!.data as Float32Array;
    return [out.reduce((s, v) => s + v, 0) / rows.length];
  });
  return phi.map((p) => p[0]!);
}

/** (estimate − exact) / standard error, per feature, over explanations. */
function zScores(explanations: readonly Explanation[], exact: readonly number[][]): number[] {
  return explanations.flatMap((e, i) =>
    Object.keys(e.contributions).flatMap((name, j) => {
      const se = e.error![name]![0]!;
      const diff = e.contributions[name]![0]! - exact[i]![j]!;
      return se === 0 ? (Math.abs(diff) < 1e-9 ? [] : [Infinity]) : [diff / se];
    }),
  );
}

function additivityError(explanations: readonly Explanation[]): number {
  return Math.max(
    ...explanations.map((e) =>
      Math.abs(Object.values(e.contributions).reduce((s, c) => s + c[0]!, 0) - (e.prediction[0]! - e.base_value[0]!)),
    ),
  );
}

describe('sampling Shapley', () => {
  it('is within three standard errors of the exact w·(x − E x) of a linear model, errors calibrated', () => {
    const { manifest, bytes } = linearModel();
    const random = prng(11);
    const background = randomRows(manifest, 40, random);
    const rows = randomRows(manifest, 8, random);
    const explanations = explainer(manifest, bytes, background).explain(rows, { budget: { permutations: 200 }, seed: 1 });
    const means = NAMES.map((_, j) => background.reduce((s, z) => s + Math.fround(z[j] as number), 0) / background.length);
    const exact = rows.map((x) => W.map((w, j) => w * (Math.fround(x[j] as number) - means[j]!)));
    const z = zScores(explanations, exact);
    const worst = Math.max(...z.map(Math.abs));
    const meanSquare = z.reduce((s, v) => s + v * v, 0) / z.length;
    console.log(
      `sampling vs exact (linear, 200 permutations): max |error|/SE ${worst.toFixed(2)}, ` +
        `mean (error/SE)² ${meanSquare.toFixed(2)} over ${z.length} contributions`,
    );
    expect(worst).toBeLessThan(3);
    expect(meanSquare).toBeGreaterThan(0.3);
    expect(meanSquare).toBeLessThan(3);
    // A feature with weight 0 gets exactly 0, with no error.
    for (const e of explanations) expect([e.contributions['e']![0], e.error!['e']![0]]).toEqual([0, 0]);
    expect(additivityError(explanations)).toBeLessThan(1e-9);
  });

  it(
    'is within three standard errors of the exact interventional Shapley values of a tree ensemble ' +
      '(which path-dependent TreeSHAP is not)',
    () => {
      const { manifest, bytes } = treeModel();
      const random = prng(12);
      const background = randomRows(manifest, 25, random, [0, 0.5, 1, -1]);
      const rows = randomRows(manifest, 6, random, [0, 0.5, 1, -1]);
      const explanations = explainer(manifest, bytes, background).explain(rows, { budget: { permutations: 400 }, seed: 2 });
      const exact = rows.map((x) => interventionalShapley(manifest, bytes, background, x));
      const z = zScores(explanations, exact);
      console.log(
        'sampling vs exact (interventional, trees, 400 permutations): max |error|/SE ' +
          `${Math.max(...z.map(Math.abs)).toFixed(2)} over ${z.length} contributions`,
      );
      expect(Math.max(...z.map(Math.abs))).toBeLessThan(3);
      expect(additivityError(explanations)).toBeLessThan(1e-9);
      // Path-dependent TreeSHAP answers another question (E[f | x_S] along the cover), so its values differ.
      const path = explainer(manifest, bytes, background, 'auto').explain(rows);
      expect(path[0]!.method).toBe('tree_shap');
      const gap = Math.max(
        ...path.flatMap((e, i) => ['a', 'b', 'c', 'd'].map((name, j) => Math.abs(e.contributions[name]![0]! - exact[i]![j]!))),
      );
      console.log(`path-dependent TreeSHAP vs interventional Shapley on the same background: max |difference| ${gap.toFixed(3)}`);
      expect(gap).toBeGreaterThan(0.01);
    },
  );

  it('shrinks its standard error as 1/√permutations, and its actual error with it', () => {
    const { manifest, bytes } = treeModel();
    const random = prng(13);
    const background = randomRows(manifest, 25, random, [0, 0.5, 1, -1]);
    const rows = randomRows(manifest, 4, random, [0, 0.5, 1, -1]);
    const exact = rows.map((x) => interventionalShapley(manifest, bytes, background, x));
    const ex = explainer(manifest, bytes, background);
    const measure = (permutations: number) => {
      const explanations = ex.explain(rows, { budget: { permutations }, seed: 5 });
      const se = explanations.flatMap((e) => Object.values(e.error!).map((s) => s[0]!));
      const err = explanations.flatMap((e, i) => Object.values(e.contributions).map((c, j) => Math.abs(c[0]! - exact[i]![j]!)));
      return { se: se.reduce((a, b) => a + b, 0) / se.length, err: err.reduce((a, b) => a + b, 0) / err.length };
    };
    const small = measure(16);
    const large = measure(1024);
    console.log(
      `mean SE ${small.se.toFixed(4)} → ${large.se.toFixed(4)}, ` +
        `mean |error| ${small.err.toFixed(4)} → ${large.err.toFixed(4)} (16 → 1024 permutations)`,
    );
    expect(large.se / small.se).toBeGreaterThan(1 / 16);
    expect(large.se / small.se).toBeLessThan(1 / 4);
    expect(large.err).toBeLessThan(small.err / 2);
  });

  it('is deterministic for a seed, states its budget, and stops on a time budget read from the given clock', () => {
    const { manifest, bytes } = linearModel();
    const random = prng(14);
    const background = randomRows(manifest, 10, random);
    const rows = randomRows(manifest, 2, random);
    const ex = explainer(manifest, bytes, background);
    expect(ex.explain(rows, { seed: 9 })).toEqual(ex.explain(rows, { seed: 9 }));
    expect(ex.explain(rows, { seed: 9 })[0]!.contributions).not.toEqual(ex.explain(rows, { seed: 10 })[0]!.contributions);
    const [full] = ex.explain(rows, { budget: { permutations: 100 } });
    expect(full!.budget).toEqual({ permutations: 100, evaluations: 1 + 100 * 5, background_rows: 10, stopped_by: 'permutations' });
    let clock = 0;
    const now = () => (clock += 10);
    const [timed] = ex.explain(rows, { budget: { permutations: 10_000, timeMs: 25 }, now });
    expect(timed!.budget!.stopped_by).toBe('time');
    expect(timed!.budget!.permutations).toBeLessThan(10_000);
    expect(additivityError([timed!])).toBeLessThan(1e-9);
  });
});
