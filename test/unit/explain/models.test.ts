import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileExplainer, drawBackgroundRows, type Explanation } from '../../../src/explain/index.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { compileModel, predictRows } from '../../../src/inference/model-runner.ts';
import type { ClassificationPrediction, Prediction, RegressionPrediction } from '../../../src/model/decode.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import { pack, parsed } from '../package/package-helpers.ts';

const MODELS = new URL('../../../models/', import.meta.url);
const BYOM = new URL('../../fixtures/byom/', import.meta.url);

const committed = readdirSync(MODELS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((m) =>
    readdirSync(new URL(`${m.name}/`, MODELS), { withFileTypes: true })
      .filter((v) => v.isDirectory())
      .map((v) => `${m.name}/${v.name}`),
  )
  .sort();

function load(id: string): { manifest: Manifest; bytes: Uint8Array } {
  const result = parseManifest(JSON.parse(readFileSync(new URL(`${id}/manifest.json`, MODELS), 'utf8')));
  if (!result.ok) throw new Error(`${id}: invalid manifest`);
  return { manifest: result.manifest, bytes: new Uint8Array(readFileSync(new URL(`${id}/model.onnx`, MODELS))) };
}

function goldenRows(manifest: Manifest): Row[] {
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows = manifest.golden.map((g, i) => validator.validate(g.instance, i, errors));
  expect(errors.list).toEqual([]);
  return rows as Row[];
}

/** The largest |Σ contributions − (prediction − base value)| over explanations and outputs. */
function additivityError(explanations: readonly Explanation[]): number {
  let worst = 0;
  for (const e of explanations) {
    for (let k = 0; k < e.outputs.length; k++) {
      const sum = Object.values(e.contributions).reduce((s, c) => s + c[k]!, 0);
      worst = Math.max(worst, Math.abs(sum - (e.prediction[k]! - e.base_value[k]!)));
    }
  }
  return worst;
}

async function served(manifest: Manifest, bytes: Uint8Array, rows: readonly Row[]): Promise<Prediction[]> {
  const compiled = compileOnnx(bytes);
  if (!compiled.ok) throw new Error(compiled.reason);
  return predictRows(compiled.session, compileModel(manifest), rows);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softmax = (xs: readonly number[]) => {
  const max = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

/** The served output from the explained space, for the transforms these models use. */
function servedFromSpace(e: Explanation, transform: string): number[] {
  if (transform === 'NONE' || transform === 'none') return e.prediction;
  if (transform === 'SOFTMAX' || transform === 'SOFTMAX → Normalizer') return softmax(e.prediction);
  if (transform === 'Sigmoid → Sub → Concat') return [1 - sigmoid(e.prediction[0]!), sigmoid(e.prediction[0]!)];
  if (transform === 'LOGISTIC → Normalizer') {
    const p = e.prediction.map(sigmoid);
    const sum = p.reduce((a, b) => a + b, 0);
    return p.map((v) => v / sum);
  }
  throw new Error(`no reference for transform ${transform}`);
}

function servedValues(p: Prediction, labels: readonly string[]): number[] {
  return 'value' in p ? [(p as RegressionPrediction).value] : labels.map((l) => (p as ClassificationPrediction).probabilities[l]!);
}

const EXPECTED_METHOD: Record<string, string> = {
  'adult-income/1': 'linear',
  'adult-income/2': 'tree_shap',
  'california-housing/1': 'linear',
  'california-housing/2': 'tree_shap',
  'titanic/1': 'linear',
};

describe('explanations of the committed models', () => {
  it.each(committed)(
    '%s: contributions add up to prediction − base value on every golden instance, in a space that maps to the served output',
    async (id) => {
      const { manifest, bytes } = load(id);
      const compiled = compileExplainer(manifest, bytes);
      if (!compiled.ok) throw new Error(compiled.reason);
      const { info } = compiled.explainer;
      expect(info.method).toBe(EXPECTED_METHOD[id]);
      const rows = goldenRows(manifest);
      const explanations = compiled.explainer.explain(rows);
      const error = additivityError(explanations);
      const scale = Math.max(...explanations.flatMap((e) => e.prediction.map(Math.abs)), 1);
      console.log(
        `${id}: ${info.method} in ${info.space} space ` +
          `(${info.transform}; reference ${info.reference}${info.cover ? `, cover ${info.cover}` : ''}); ` +
          `max additivity error ${error.toExponential(2)} (outputs up to ${scale.toPrecision(3)})`,
      );
      expect(error).toBeLessThan(1e-6);
      // The explained prediction is the model's: mapped through the transform it gives the served output.
      const predictions = await served(manifest, bytes, rows);
      explanations.forEach((e, i) => {
        const expected = servedValues(predictions[i]!, manifest.output.labels ?? []);
        servedFromSpace(e, info.transform).forEach((v, k) =>
          expect(Math.abs(v - expected[k]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[k]!))),
        );
      });
    },
  );

  it('explains 100 instances of california-housing/2 (300 trees) within a few hundred milliseconds', () => {
    const { manifest, bytes } = load('california-housing/2');
    let started = performance.now();
    const compiled = compileExplainer(manifest, bytes);
    const compileMs = performance.now() - started;
    if (!compiled.ok) throw new Error(compiled.reason);
    const rows = drawBackgroundRows(manifest.features, 100, mulberry32(7));
    compiled.explainer.explain(rows.slice(0, 5));
    started = performance.now();
    const explanations = compiled.explainer.explain(rows);
    const explainMs = performance.now() - started;
    console.log(
      `california-housing/2: compile ${compileMs.toFixed(0)} ms (1000 background rows for the cover), ` +
        `explain 100 instances ${explainMs.toFixed(0)} ms`,
    );
    expect(additivityError(explanations)).toBeLessThan(1e-6);
    // Generous for shared CI machines; about 200 ms on a quiet one.
    expect(explainMs).toBeLessThan(2000);
  });
});

describe('explanations of the byom exports', () => {
  const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, BYOM)));

  it('iris LogisticRegression (LinearClassifier, SOFTMAX, Normalizer): exact linear contributions in margin space, per class', async () => {
    const pkg = await pack(fixture('logreg_iris.onnx'), fixture('iris.csv'), {
      name: 'iris',
      target: 'species',
      matrixFeatures: { '': ['sepal_length', 'sepal_width'] },
      dataFile: 'iris.csv',
    });
    const manifest = parsed(pkg);
    const compiled = compileExplainer(manifest, pkg.modelBytes);
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.explainer.info).toMatchObject({
      method: 'linear',
      space: 'margin',
      outputs: ['0', '1', '2'],
      transform: 'SOFTMAX → Normalizer',
    });
    const rows = goldenRows(manifest);
    const explanations = compiled.explainer.explain(rows);
    console.log(`byom iris: max additivity error ${additivityError(explanations).toExponential(2)}`);
    expect(additivityError(explanations)).toBeLessThan(1e-6);
    const predictions = await served(manifest, pkg.modelBytes, rows);
    explanations.forEach((e, i) =>
      softmax(e.prediction).forEach((p, k) => expect(p).toBeCloseTo(servedValues(predictions[i]!, ['0', '1', '2'])[k]!, 5)),
    );
  });

  it(
    'titanic pipeline (OneHotEncoder, Imputer, Scaler, Concat inside the graph): ' + 'contributions carried back to the five graph inputs',
    async () => {
      const pkg = await pack(fixture('pipeline_titanic.onnx'), fixture('small_titanic.csv'), {
        name: 'titanic',
        target: 'survived',
        spec: JSON.parse(readFileSync(new URL('../../../models/titanic/spec.json', import.meta.url), 'utf8')) as unknown,
        dataFile: 'small_titanic.csv',
        onnxFile: 'pipeline_titanic.onnx',
      });
      const manifest = parsed(pkg);
      const compiled = compileExplainer(manifest, pkg.modelBytes);
      if (!compiled.ok) throw new Error(compiled.reason);
      expect(compiled.explainer.info).toMatchObject({
        method: 'linear',
        space: 'margin',
        outputs: ['0', '1'],
        transform: 'LOGISTIC → Normalizer',
        reference: 'training statistics',
        background_rows: 1000,
      });
      const rows = goldenRows(manifest);
      const explanations = compiled.explainer.explain(rows);
      expect(Object.keys(explanations[0]!.contributions)).toEqual(['pclass', 'sex', 'age', 'fare', 'embarked']);
      console.log(`byom titanic: max additivity error ${additivityError(explanations).toExponential(2)}`);
      expect(additivityError(explanations)).toBeLessThan(1e-6);
      const predictions = await served(manifest, pkg.modelBytes, rows);
      explanations.forEach((e, i) =>
        servedFromSpace(e, 'LOGISTIC → Normalizer').forEach((p, k) =>
          expect(p).toBeCloseTo(servedValues(predictions[i]!, ['0', '1'])[k]!, 5),
        ),
      );
      // The original export still ends in a ZipMap, which the evaluator cannot run; the preprocessing alone runs.
      const original = compileExplainer(manifest, fixture('pipeline_titanic.onnx'));
      if (!original.ok) throw new Error(original.reason);
      expect(original.explainer.explain(rows)).toEqual(explanations);
    },
  );
});
