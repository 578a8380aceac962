import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainPackage } from '../../../cli/train/train-package.ts';
import { runOnnx } from '../../../cli/train/ort-runner.ts';
import { parseManifest, type TrainedManifest } from '../../../src/model/manifest.ts';
import { goldenMismatches } from './golden-check.ts';
import { removeTrainedDirs, SPECS, SYNTHETIC_CSV, trainSynthetic, type SyntheticRun } from './synthetic-training.ts';

function manifestOf(run: SyntheticRun): TrainedManifest {
  const parsed = parseManifest(run.manifestJson);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.manifest as TrainedManifest;
}

describe('trainPackage', () => {
  const runs: Record<string, SyntheticRun> = {};
  beforeAll(async () => {
    for (const kind of ['regression', 'classification'] as const) {
      for (const algorithm of ['linear', 'gbdt'] as const) runs[`${kind}-${algorithm}`] = await trainSynthetic(kind, algorithm);
    }
  });
  afterAll(removeTrainedDirs);

  it.each(['regression-linear', 'classification-linear', 'regression-gbdt', 'classification-gbdt'])(
    'writes byte-identical model.onnx and manifest.json when trained twice with the same data and seed (%s)',
    async (key) => {
      const [kind, algorithm] = key.split('-') as ['regression' | 'classification', 'linear' | 'gbdt'];
      const again = await trainSynthetic(kind, algorithm);
      expect(Buffer.from(again.onnx).equals(Buffer.from(runs[key]!.onnx))).toBe(true);
      expect(again.manifestJson).toEqual(runs[key]!.manifestJson);
    },
  );

  it('names the algorithm: linear for regression, logistic for a binary task, gbdt', () => {
    expect(manifestOf(runs['regression-linear']!).training.algorithm).toBe('linear');
    expect(manifestOf(runs['classification-linear']!).training.algorithm).toBe('logistic');
    expect(manifestOf(runs['classification-gbdt']!).training.algorithm).toBe('gbdt');
  });

  it('trains a different GBDT with a different seed when subsampling is on', async () => {
    const other = await trainSynthetic('regression', 'gbdt', 7);
    expect(Buffer.from(other.onnx).equals(Buffer.from(runs['regression-gbdt']!.onnx))).toBe(false);
  });

  it('writes manifests that pass the shared schema', () => {
    for (const run of Object.values(runs)) expect(parseManifest(run.manifestJson)).toMatchObject({ ok: true });
  });

  it('records the artifact sha256 and size of the written model.onnx', async () => {
    const { createHash } = await import('node:crypto');
    for (const run of Object.values(runs)) {
      const m = manifestOf(run);
      expect(m.artifact.sha256).toBe(createHash('sha256').update(run.onnx).digest('hex'));
      expect(m.artifact.bytes).toBe(run.onnx.length);
    }
  });

  it('writes golden expectations that onnxruntime-web reproduces for the written model', async () => {
    for (const run of Object.values(runs)) {
      const m = manifestOf(run);
      expect(m.golden.length).toBeGreaterThanOrEqual(24);
      expect(await goldenMismatches(m, run.onnx)).toEqual([]);
    }
  });

  it('writes classifiers whose probabilities sum to 1, positive label second', async () => {
    for (const key of ['classification-linear', 'classification-gbdt']) {
      const run = runs[key]!;
      const m = manifestOf(run);
      expect(m.output.labels).toEqual(['no', 'yes']);
      expect(m.output.positive_label).toBe('yes');
      for (const g of m.golden) {
        if (!('probabilities' in g.expected)) throw new Error('expected probabilities');
        const sum = Object.values(g.expected.probabilities).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 6);
      }
      // Extreme inputs push probabilities to the ends without breaking the sum.
      const width = m.golden[0]!.encoded.length;
      const x = Float32Array.from({ length: 3 * width }, (_, i) => (i < width ? 0 : i < 2 * width ? 1e6 : -1e6));
      const out = await runOnnx(run.onnx, { inputName: 'input', outputName: 'probabilities' }, x, 3, width);
      for (let r = 0; r < 3; r++) expect(out[2 * r]! + out[2 * r + 1]!).toBeCloseTo(1, 6);
    }
  });

  it('keeps missing-value tokens raw on a few goldens and sends null on others', () => {
    const m = manifestOf(runs['classification-gbdt']!);
    const colors = m.golden.map((g) => g.instance.color);
    expect(colors.filter((c) => c === '?').length).toBe(2);
    expect(colors.filter((c) => c === null).length).toBeGreaterThan(0);
    expect(m.golden.some((g) => g.instance.size === null)).toBe(true);
    for (const category of ['blue', 'dark, blue', 'green', 'red']) expect(colors).toContain(category);
  });

  it('describes the split, the dataset and metrics on the holdout', () => {
    const m = manifestOf(runs['regression-gbdt']!);
    expect(m.training.split).toMatchObject({ holdout_fraction: 0.25, train_rows: 300, holdout_rows: 100 });
    expect(m.training.dataset).toMatchObject({ file: 'synthetic.csv', rows: 400, target: 'price' });
    expect(m.training.metrics.primary).toBe('mae');
    expect(m.training.metrics.higher_is_better).toBe(false);
    expect(Object.keys(m.training.metrics.overall)).toEqual(['mae', 'rmse', 'r2']);
    expect(m.training.metrics.slices.filter((s) => s.feature === 'size').map((s) => s.slice)).toEqual([
      '(-∞, 50]',
      '(50, 100]',
      '(100, 150]',
      '(150, ∞)',
      'null',
    ]);
    expect(m.output.training.count).toBe(100);
    const c = manifestOf(runs['classification-gbdt']!);
    expect(c.training.metrics.primary).toBe('auc');
    expect(c.output.training.label_frequencies).toBeDefined();
    // Protected attributes get slices even when the spec does not list them as slices.
    expect(c.training.metrics.slices.some((s) => s.feature === 'color')).toBe(true);
  });

  it('imputes the training median and adds is_null columns where training had nulls', () => {
    const m = manifestOf(runs['regression-linear']!);
    expect(m.encoding.columns.map((c) => `${c.transform}:${c.feature}`)).toEqual([
      'numeric:size',
      'is_null:size',
      'numeric:rooms',
      'one_hot:color',
      'boolean:garden',
      'is_null:garden',
    ]);
    const size = m.features.find((f) => f.name === 'size')!;
    const impute = m.encoding.columns.find((c) => c.transform === 'numeric' && c.feature === 'size');
    expect(impute).toMatchObject({ impute: expect.any(Number) });
    expect('bin_edges' in size.training && size.training.null_rate).toBeGreaterThan(0);
  });

  it('refuses to overwrite an existing version without force', async () => {
    const run = runs['regression-linear']!;
    const outDir = join(run.result.modelPath, '..');
    const options = {
      dataPath: SYNTHETIC_CSV,
      modelName: 'synthetic-regression',
      algorithm: 'linear' as const,
      version: '1',
      seed: 42,
      specPath: SPECS.regression,
      outDir,
      trainedAt: '2026-11-27T00:00:00Z',
      codeVersion: 'vigil-train test',
    };
    const refused = await trainPackage({ ...options, force: false });
    expect(refused).toMatchObject({ ok: false, kind: 'usage' });
    expect(refused.ok === false && refused.errors[0]).toContain('--force');
    expect(await trainPackage({ ...options, force: true })).toMatchObject({ ok: true });
  });

  it('fails naming the line and column of a non-numeric value in a numeric column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-train-bad-'));
    const csv = (await readFile(SYNTHETIC_CSV, 'utf8')).replace('\n3,155,', '\n3,big,');
    await writeFile(join(dir, 'bad.csv'), csv);
    const outcome = await trainPackage({
      dataPath: join(dir, 'bad.csv'),
      modelName: 'bad',
      algorithm: 'linear',
      version: '1',
      seed: 42,
      specPath: SPECS.regression,
      outDir: join(dir, 'out'),
      trainedAt: '2026-11-27T00:00:00Z',
      force: false,
      codeVersion: 'test',
    });
    expect(outcome).toMatchObject({ ok: false, kind: 'failure', errors: ['bad.csv line 4, column "size": "big" is not a number'] });
    await rm(dir, { recursive: true, force: true });
  });
});
