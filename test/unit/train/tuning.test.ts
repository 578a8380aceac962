import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foldAssignment, foldSplits, gridCandidates, gridSearch } from '../../../cli/train/grid-search.ts';
import { parseTrainingSpec, type TrainingSpec } from '../../../cli/train/spec.ts';
import { trainPackage } from '../../../cli/train/train-package.ts';
import { tuneHyperparameters } from '../../../cli/train/tuning.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import type { Row } from '../../../src/model/instance-validator.ts';
import { parseManifest } from '../../../src/model/manifest.ts';
import { SPECS, SYNTHETIC_CSV } from './synthetic-training.ts';

describe('grid candidates and folds', () => {
  it('lists every combination, the first hyperparameter varying slowest', () => {
    expect(gridCandidates({ max_depth: [4, 6], learning_rate: [0.05, 0.1] })).toEqual([
      { max_depth: 4, learning_rate: 0.05 },
      { max_depth: 4, learning_rate: 0.1 },
      { max_depth: 6, learning_rate: 0.05 },
      { max_depth: 6, learning_rate: 0.1 },
    ]);
  });

  it('deals a seeded shuffle into folds of equal size within one row, the same for the same seed', () => {
    const folds = foldAssignment(100, 3, 42);
    expect([0, 1, 2].map((k) => folds.filter((f) => f === k).length)).toEqual([34, 33, 33]);
    expect(foldAssignment(100, 3, 42)).toEqual(folds);
    expect(foldAssignment(100, 3, 43)).not.toEqual(folds);
    // Not a block split: the folds mix the rows.
    expect(new Set(folds.subarray(0, 10)).size).toBeGreaterThan(1);
  });

  it('trains each fold on every other fold and measures it on its own rows', () => {
    const splits = foldSplits(30, 3, 1);
    for (const s of splits) {
      expect(s.train.length + s.valid.length).toBe(30);
      expect([...s.train].some((r) => s.valid.includes(r))).toBe(false);
    }
    expect(splits.flatMap((s) => [...s.valid]).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describe('gridSearch', () => {
  const candidates = gridCandidates({ depth: [1, 2, 3] });
  // The metric of a candidate is its distance to 2, plus a fold-dependent wobble.
  const evaluate = (c: Record<string, unknown>, _split: unknown, fold: number) => ({
    ok: true as const,
    value: Math.abs((c.depth as number) - 2) + fold * 0.1,
  });

  it('records every candidate with its mean and standard deviation over the folds and selects the best', () => {
    const result = gridSearch({ candidates, folds: 3, seed: 1, rows: 9, metric: 'mae', higherIsBetter: false, evaluate });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.tuning.candidates.map((c) => c.hyperparameters)).toEqual([{ depth: 1 }, { depth: 2 }, { depth: 3 }]);
    expect(result.tuning.candidates.map((c) => Number(c.mean.toFixed(6)))).toEqual([1.1, 0.1, 1.1]);
    expect(result.tuning.candidates[1]!.std).toBeCloseTo(Math.sqrt(2 / 3) * 0.1, 12);
    expect(result.tuning).toMatchObject({ method: 'grid', folds: 3, seed: 1, metric: 'mae', higher_is_better: false, selected: 1 });
    expect(result.best).toEqual({ depth: 2 });
  });

  it('selects the largest mean when higher is better, the first written on a tie', () => {
    const result = gridSearch({ candidates, folds: 2, seed: 1, rows: 4, metric: 'auc', higherIsBetter: true, evaluate });
    expect(result.ok && result.tuning.selected).toBe(0);
  });

  it('fails naming the candidate and fold when a fit fails', () => {
    const result = gridSearch({
      candidates,
      folds: 2,
      seed: 1,
      rows: 4,
      metric: 'mae',
      higherIsBetter: false,
      evaluate: (c) => (c.depth === 3 ? { ok: false, error: 'singular' } : { ok: true, value: 1 }),
    });
    expect(result).toEqual({ ok: false, error: 'tuning candidate depth 3, fold 1 of 2: singular' });
  });
});

describe('tuneHyperparameters', () => {
  /** y = 2·a − b + noise over 200 rows: a small ridge penalty fits it, a huge one flattens it. */
  function ridgeData(): { spec: TrainingSpec; rows: Row[]; targets: Float64Array } {
    const parsed = parseTrainingSpec({
      task: 'regression',
      stage: 'research',
      target: 'y',
      features: [
        { name: 'a', type: 'number' },
        { name: 'b', type: 'number' },
      ],
      tuning: { linear: { folds: 4, grid: { l2: [100, 0.0001, 1] } } },
    });
    if (!parsed.ok) throw new Error(parsed.issues.join('; '));
    const random = mulberry32(3);
    const rows: Row[] = Array.from({ length: 200 }, () => [random() * 10, random() * 10]);
    return { spec: parsed.spec, rows, targets: Float64Array.from(rows, (r) => 2 * (r[0] as number) - (r[1] as number) + random()) };
  }

  it('picks the candidate that predicts held-out folds best and trains with it', () => {
    const { spec, rows, targets } = ridgeData();
    const tuned = tuneHyperparameters({
      spec,
      algorithm: 'linear',
      features: spec.features.map((f) => ({ ...f })),
      rows,
      targets,
      seed: 42,
    });
    expect(tuned.ok).toBe(true);
    if (!tuned.ok) return;
    expect(tuned.tuning!.candidates.map((c) => c.hyperparameters.l2)).toEqual([100, 0.0001, 1]);
    expect(tuned.tuning!.selected).toBe(1);
    expect(tuned.tuning!.candidates[0]!.mean).toBeGreaterThan(2 * tuned.tuning!.candidates[1]!.mean);
    expect(tuned.choice).toEqual({ algorithm: 'linear', hyperparameters: { l2: 0.0001, max_iterations: 100, tolerance: 1e-10 } });
  });

  it('uses the spec hyperparameters as written when the spec has no grid for the algorithm', () => {
    const { spec, rows, targets } = ridgeData();
    const tuned = tuneHyperparameters({ spec, algorithm: 'gbdt', features: spec.features.map((f) => ({ ...f })), rows, targets, seed: 42 });
    expect(tuned).toEqual({ ok: true, choice: { algorithm: 'gbdt', hyperparameters: spec.hyperparameters.gbdt } });
  });
});

describe('vigil train with a tuning grid', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function trainTuned(): Promise<{ onnx: Buffer; manifest: string; json: Record<string, unknown> }> {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-tuned-'));
    dirs.push(dir);
    const spec = JSON.parse(await readFile(SPECS.regression, 'utf8')) as Record<string, unknown>;
    spec.tuning = { gbdt: { folds: 2, grid: { max_depth: [1, 3] } } };
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    const lines: string[] = [];
    const outcome = await trainPackage({
      dataPath: SYNTHETIC_CSV,
      modelName: 'tuned',
      algorithm: 'gbdt',
      version: '1',
      seed: 42,
      specPath: join(dir, 'spec.json'),
      outDir: join(dir, 'out'),
      trainedAt: '2026-11-27T00:00:00Z',
      force: false,
      codeVersion: 'test',
      progress: (line) => lines.push(line),
    });
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(lines.some((l) => l.startsWith('tuning   [2] max_depth 3'))).toBe(true);
    const manifest = await readFile(outcome.result.manifestPath, 'utf8');
    return { onnx: await readFile(outcome.result.modelPath), manifest, json: JSON.parse(manifest) as Record<string, unknown> };
  }

  it('records every candidate and trains the final model with the winner, reproducibly', async () => {
    const first = await trainTuned();
    const parsed = parseManifest(first.json);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { tuning, hyperparameters, metrics } = parsed.manifest.training;
    expect(tuning).toMatchObject({ method: 'grid', folds: 2, seed: 42, metric: 'mae', higher_is_better: false, selected: 1 });
    expect(tuning!.candidates.map((c) => c.hyperparameters)).toEqual([{ max_depth: 1 }, { max_depth: 3 }]);
    expect(hyperparameters.max_depth).toBe(3);
    expect(hyperparameters.n_trees).toBe(30);
    // Cross-validation ran on the training split only: its folds are not the holdout's metric.
    expect(tuning!.candidates[1]!.mean).not.toBe(metrics.overall.mae);
    const second = await trainTuned();
    expect(second.onnx.equals(first.onnx)).toBe(true);
    expect(second.manifest).toBe(first.manifest);
  });
});
