import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { encodeModel, FLOAT, floatTensor, node, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileExplainer, type Explanation } from '../../../src/explain/index.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import { fixedBatchNetwork, imputingRegressor, mixedInputsRegressor, softplusRegressor } from '../../support/onnx-graphs.ts';
import { pack, parsed } from '../package/package-helpers.ts';
import { categoryFeature, matrixManifest, numberFeature, prng, randomRows } from './test-manifests.ts';

const { onnx } = onnxProto;

function sumOf(e: Explanation, k = 0): number {
  return Object.values(e.contributions).reduce((s, c) => s + c[k]!, 0);
}

function validRows(manifest: Manifest, instances: readonly unknown[]): Row[] {
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows = instances.map((instance, i) => validator.validate(instance, i, errors));
  expect(errors.list).toEqual([]);
  return rows as Row[];
}

describe('linear contributions', () => {
  it(
    'equal w·(x − E x) by hand on california-housing/1, E x from the training statistics, ' +
      'one-hot and is_null columns summed to their feature',
    () => {
      const root = new URL('../../../models/california-housing/1/', import.meta.url);
      const result = parseManifest(JSON.parse(readFileSync(new URL('manifest.json', root), 'utf8')));
      if (!result.ok) throw new Error('invalid manifest');
      const manifest = result.manifest;
      const bytes = new Uint8Array(readFileSync(new URL('model.onnx', root)));
      const model = onnx.ModelProto.decode(bytes);
      const raw = (name: string) => {
        const t = model.graph!.initializer!.find((i) => i.name === name)!;
        const view = new DataView(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.byteLength);
        return Array.from({ length: t.rawData!.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
      };
      const w = raw('weights');
      const [b] = raw('bias');
      // E[x] per column, by hand: numeric (1 − null)·mean + null·impute, is_null the null rate, one-hot (1 − null)·frequency.
      const stats = new Map(manifest.features.map((f) => [f.name, f.training]));
      const columns = 'columns' in manifest.encoding ? manifest.encoding.columns : [];
      const owner: string[] = [];
      const expected: number[] = [];
      for (const c of columns) {
        const s = stats.get(c.feature)!;
        if (c.transform === 'numeric' && 'mean' in s) expected.push((1 - s.null_rate) * s.mean + s.null_rate * c.impute);
        else if (c.transform === 'is_null') expected.push(s.null_rate);
        else if (c.transform === 'one_hot' && 'category_frequencies' in s)
          for (const cat of c.categories) expected.push((1 - s.null_rate) * s.category_frequencies[cat]!);
        else throw new Error(`unexpected column ${c.transform}`);
        for (let i = 0; i < (c.transform === 'one_hot' ? c.categories.length : 1); i++) owner.push(c.feature);
      }
      expect(owner).toHaveLength(w.length);

      const compiled = compileExplainer(manifest, bytes);
      if (!compiled.ok) throw new Error(compiled.reason);
      expect(compiled.explainer.info).toMatchObject({
        method: 'linear',
        space: 'margin',
        outputs: ['value'],
        reference: 'training statistics',
        background_rows: 0,
      });
      const rows = validRows(
        manifest,
        manifest.golden.map((g) => g.instance),
      );
      const explanations = compiled.explainer.explain(rows);
      manifest.golden.forEach((g, r) => {
        const x = g.encoded as number[];
        const byHand: Record<string, number> = {};
        owner.forEach((f, c) => (byHand[f] = (byHand[f] ?? 0) + w[c]! * (x[c]! - expected[c]!)));
        const e = explanations[r]!;
        for (const f of manifest.features) expect(e.contributions[f.name]![0]).toBeCloseTo(byHand[f.name]!, 6);
        const base = b! + w.reduce((s, wc, c) => s + wc * expected[c]!, 0);
        expect(e.base_value[0]).toBeCloseTo(base, 6);
        expect(e.prediction[0]).toBeCloseTo(b! + w.reduce((s, wc, c) => s + wc * x[c]!, 0), 6);
      });
      // The golden rows include a missing total_bedrooms (is_null = 1) and every ocean_proximity.
      const at = (name: string) => manifest.features.findIndex((f) => f.name === name);
      expect(rows.some((r) => r[at('total_bedrooms')] === null)).toBe(true);
      expect(new Set(rows.map((r) => r[at('ocean_proximity')])).size).toBe(5);
    },
  );

  it('follows OneHotEncoder, Cast, Reshape and Concat inside the graph back to each input, E x over the given background', async () => {
    const graph = mixedInputsRegressor();
    const manifest = parsed(await pack(graph.bytes, graph.csv));
    const names = manifest.features.map((f) => f.name);
    const background = validRows(manifest, [
      { rooms: 1, city: 'paris', garden: true, area: 20, floor: 0 },
      { rooms: 3, city: 'lyon', garden: false, area: 60, floor: 2 },
      { rooms: 5, city: 'lyon', garden: true, area: 100, floor: 4 },
      { rooms: 2, city: 'nice', garden: false, area: 40, floor: -1 },
    ]);
    const compiled = compileExplainer(manifest, graph.bytes, { background });
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.explainer.info).toMatchObject({
      method: 'linear',
      space: 'margin',
      reference: 'background rows',
      background_rows: 4,
      transform: 'NONE',
    });
    const [e] = compiled.explainer.explain(validRows(manifest, [{ rooms: 4, city: 'nice', garden: true, area: 72.5, floor: 7 }]));
    // w = [12.5 rooms, 30 paris, −5 lyon, 8 nice, 4.25 garden, 0.75 area, −1.5 floor]; background means below.
    const byHand: Record<string, number> = {
      rooms: 12.5 * (4 - 2.75),
      city: 30 * (0 - 0.25) - 5 * (0 - 0.5) + 8 * (1 - 0.25),
      garden: 4.25 * (1 - 0.5),
      area: 0.75 * (72.5 - 55),
      floor: -1.5 * (7 - 1.25),
    };
    for (const name of names) expect(e!.contributions[name]![0]).toBeCloseTo(byHand[name]!, 4);
    expect(sumOf(e!)).toBeCloseTo(e!.prediction[0]! - e!.base_value[0]!, 9);
    expect(e!.prediction[0]).toBeCloseTo(100 + 12.5 * 4 + 8 + 4.25 + 0.75 * 72.5 - 1.5 * 7, 4);
  });

  it('carries an Imputer inside the graph: a missing value contributes w·(imputed value − E[imputed column])', async () => {
    const graph = imputingRegressor();
    const manifest = parsed(await pack(graph.bytes, graph.csv, { target: 'target' }));
    const background = validRows(manifest, [
      { x: 1, y: 2 },
      { x: null, y: 4 },
      { x: 3, y: null },
      { x: -2, y: 8 },
    ]);
    const compiled = compileExplainer(manifest, graph.bytes, { background });
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.explainer.info.method).toBe('linear');
    const [e] = compiled.explainer.explain(validRows(manifest, [{ x: null, y: 0 }]));
    // Imputed background columns: x (1, 10, 3, −2) mean 3; y (2, 4, 20, 8) mean 8.5; w = [2, −0.5], b = 1.
    expect(e!.contributions['x']![0]).toBeCloseTo(2 * (10 - 3), 5);
    expect(e!.contributions['y']![0]).toBeCloseTo(-0.5 * (0 - 8.5), 5);
    expect(e!.prediction[0]).toBeCloseTo(1 + 2 * 10, 5);
  });

  it('folds the constant arithmetic after a MatMul into the map (a scale, an offset, 1 − margin)', () => {
    const m = matrixManifest(
      [numberFeature('a', { mean: 1, nullRate: 0 }), categoryFeature('color', { red: 0.25, green: 0.75 })],
      [
        { transform: 'numeric', feature: 'a', impute: 0 },
        { transform: 'one_hot', feature: 'color', categories: ['red', 'green'] },
      ],
    );
    const bytes = encodeModel({
      graphName: 'folded',
      producerVersion: 'test',
      inputs: [tensorInfo('input', FLOAT, ['N', 3])],
      outputs: [tensorInfo('output', FLOAT, ['N', 1])],
      initializers: [
        floatTensor('W', [3, 1], [2, 1, -1]),
        floatTensor('two', [1], [2]),
        floatTensor('three', [1], [3]),
        floatTensor('one', [1], [1]),
      ],
      nodes: [
        node('MatMul', ['input', 'W'], ['p']),
        node('Mul', ['p', 'two'], ['q']),
        node('Add', ['q', 'three'], ['r']),
        node('Sub', ['one', 'r'], ['output']),
      ],
    });
    const compiled = compileExplainer(m, bytes);
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.explainer.info).toMatchObject({ method: 'linear', transform: 'none', reference: 'training statistics' });
    const [e] = compiled.explainer.explain([[4, 'red']]);
    // output = 1 − (2·(2a + red − green) + 3) = −2 − 4a − 2 red + 2 green; E a = 1, E red = 0.25, E green = 0.75.
    expect(e!.prediction[0]).toBeCloseTo(-2 - 16 - 2, 12);
    expect(e!.base_value[0]).toBeCloseTo(-2 - 4 - 0.5 + 1.5, 12);
    expect(e!.contributions['a']![0]).toBeCloseTo(-4 * (4 - 1), 12);
    expect(e!.contributions['color']![0]).toBeCloseTo(-2 * (1 - 0.25) + 2 * (0 - 0.75), 12);
  });

  it(
    'falls back to sampling for a network (Gemm → Sigmoid → Gemm → Softmax), ' + 'saying why, and runs its fixed batch of one',
    async () => {
      const graph = fixedBatchNetwork();
      const manifest = parsed(
        await pack(graph.bytes, graph.csv, {
          matrixFeatures: { '': ['f0', 'f1'] },
          spec: { task: 'multiclass_classification', labels: ['low', 'mid', 'high'] },
        }),
      );
      const compiled = compileExplainer(manifest, graph.bytes);
      if (!compiled.ok) throw new Error(compiled.reason);
      expect(compiled.explainer.info).toMatchObject({
        method: 'sampling_shapley',
        space: 'probability',
        outputs: ['low', 'mid', 'high'],
        fallback_reason: expect.stringContaining('no single feature feeds'),
      });
      const rows = validRows(manifest, [
        { f0: 0.5, f1: 1 },
        { f0: -2, f1: -2 },
      ]);
      const explanations = compiled.explainer.explain(rows, { budget: { permutations: 16 }, seed: 3 });
      explanations.forEach((e, i) => {
        const served = (graph.expected[i === 0 ? 0 : 4] as { probabilities: number[] }).probabilities;
        e.prediction.forEach((p, k) => expect(p).toBeCloseTo(served[k]!, 6));
        for (let k = 0; k < 3; k++) expect(Math.abs(sumOf(e, k) - (e.prediction[k]! - e.base_value[k]!))).toBeLessThan(1e-9);
        expect(e.budget).toEqual({ permutations: 16, evaluations: 1 + 16 * 2, background_rows: 1000, stopped_by: 'permutations' });
      });
    },
  );

  it('refuses a graph that no exact method explains and the compiled evaluator cannot run, naming both reasons', async () => {
    const graph = softplusRegressor();
    const manifest = parsed(await pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['a', 'b'] } }));
    const compiled = compileExplainer(manifest, graph.bytes);
    expect(compiled).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /Softplus.*not an operator the attribution can be traced through.*cannot be evaluated for sampling.*Softplus/,
      ),
    });
  });

  it('refuses linear when asked for a tree ensemble, and a given background without rows', () => {
    const m = matrixManifest(
      [numberFeature('a'), numberFeature('b')],
      [
        { transform: 'numeric', feature: 'a', impute: 0 },
        { transform: 'numeric', feature: 'b', impute: 0 },
      ],
    );
    const bytes = encodeModel({
      graphName: 'linear',
      producerVersion: 'test',
      inputs: [tensorInfo('input', FLOAT, ['N', 2])],
      outputs: [tensorInfo('output', FLOAT, ['N', 1])],
      initializers: [floatTensor('W', [2, 1], [1, 2])],
      nodes: [node('MatMul', ['input', 'W'], ['output'])],
    });
    expect(compileExplainer(m, bytes, { method: 'tree_shap' })).toEqual({
      ok: false,
      reason: 'tree_shap does not apply: the output comes from a linear map',
    });
    expect(compileExplainer(m, bytes, { background: [] })).toEqual({ ok: false, reason: 'the background has no rows' });
    const random = prng(1);
    const rows = randomRows(m, 5, random);
    const compiled = compileExplainer(m, bytes, { method: 'linear' });
    expect(
      compiled.ok && compiled.explainer.explain(rows).every((e) => Math.abs(sumOf(e) - (e.prediction[0]! - e.base_value[0]!)) < 1e-12),
    ).toBe(true);
  });
});
