import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { permutationImportance, permuteFeature } from '../../../cli/train/permutation-importance.ts';
import { trainPackage } from '../../../cli/train/train-package.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import type { Row } from '../../../src/model/instance-validator.ts';
import { meanAbsoluteError } from '../../../src/model/metrics.ts';
import { parseManifest } from '../../../src/model/manifest.ts';

/** Rows [signal, noise] with target 10 · signal (+ a little noise), seeded. */
function signalAndNoise(rows: number, seed: number): { rows: Row[]; targets: Float64Array } {
  const random = mulberry32(seed);
  const data = Array.from({ length: rows }, () => [random(), random()] as Row);
  return { rows: data, targets: Float64Array.from(data, (row) => 10 * (row[0] as number) + 0.1 * random()) };
}

describe('permutationImportance', () => {
  const { rows, targets } = signalAndNoise(300, 1);
  // A model that learned the signal and ignores the noise.
  const mae = async (batch: readonly Row[]) =>
    meanAbsoluteError(
      targets,
      batch.map((row) => 10 * (row[0] as number) + 0.05),
    );

  it('finds the feature that drives the target beneficial and the pure-noise feature not', async () => {
    const result = await permutationImportance(rows, 2, mae, { repeats: 5, seed: 42, higherIsBetter: false });
    expect(result.baseline).toBe(await mae(rows));
    const [signal, noise] = result.features;
    expect(signal!.beneficial).toBe(true);
    expect(signal!.importance).toBeGreaterThan(2);
    expect(noise).toEqual({ importance: 0, std_error: 0, beneficial: false });
  });

  it('measures worsening the right way round when higher is better', async () => {
    const negated = async (batch: readonly Row[]) => -(await mae(batch));
    const lower = await permutationImportance(rows, 2, mae, { repeats: 3, seed: 42, higherIsBetter: false });
    const higher = await permutationImportance(rows, 2, negated, { repeats: 3, seed: 42, higherIsBetter: true });
    expect(higher.features.map((f) => f.importance)).toEqual(lower.features.map((f) => f.importance));
  });

  it('gives the same result for the same seed and another for another seed', async () => {
    const run = (seed: number) => permutationImportance(rows, 2, mae, { repeats: 5, seed, higherIsBetter: false });
    expect(await run(42)).toEqual(await run(42));
    expect((await run(7)).features[0]!.importance).not.toBe((await run(42)).features[0]!.importance);
  });

  it('reports the standard error of the mean over repeats, and 0 for a single repeat', async () => {
    const one = await permutationImportance(rows, 2, mae, { repeats: 1, seed: 42, higherIsBetter: false });
    expect(one.features.map((f) => f.std_error)).toEqual([0, 0]);
    const five = await permutationImportance(rows, 2, mae, { repeats: 5, seed: 42, higherIsBetter: false });
    expect(five.features[0]!.std_error).toBeGreaterThan(0);
    expect(five.features[0]!.std_error).toBeLessThan(five.features[0]!.importance / 2);
  });

  it('shuffles one feature among the rows and leaves the rest and the input alone', () => {
    const before = rows.map((row) => row.slice());
    const shuffled = permuteFeature(rows, 1, 3);
    expect(rows).toEqual(before);
    expect(shuffled.map((row) => row[0])).toEqual(rows.map((row) => row[0]));
    expect(shuffled.map((row) => row[1])).not.toEqual(rows.map((row) => row[1]));
    expect([...shuffled.map((row) => row[1] as number)].sort()).toEqual([...rows.map((row) => row[1] as number)].sort());
  });
});

describe('feature assessment in vigil train', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('flags pure noise as not beneficial and the driving feature as beneficial, through the written model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-assess-'));
    dirs.push(dir);
    const random = mulberry32(5);
    const lines = ['signal,noise,color,y'];
    for (let r = 0; r < 300; r++) {
      const signal = random() * 10;
      const color = random() < 0.5 ? 'red' : 'blue';
      lines.push(
        `${signal.toFixed(3)},${(random() * 10).toFixed(3)},${color},${(3 * signal + (color === 'red' ? 5 : 0) + random()).toFixed(3)}`,
      );
    }
    await writeFile(join(dir, 'data.csv'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'spec.json'),
      JSON.stringify({
        task: 'regression',
        stage: 'research',
        target: 'y',
        features: [
          { name: 'signal', type: 'number' },
          { name: 'noise', type: 'number' },
          { name: 'color', type: 'category', pii: 'drop' },
        ],
      }),
    );
    const train = () =>
      trainPackage({
        dataPath: join(dir, 'data.csv'),
        modelName: 'noise',
        algorithm: 'linear',
        version: '1',
        seed: 42,
        specPath: join(dir, 'spec.json'),
        outDir: join(dir, 'out'),
        trainedAt: '2026-11-27T00:00:00Z',
        force: true,
        codeVersion: 'test',
      });
    const outcome = await train();
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const parsed = parseManifest(outcome.result.manifest);
    expect(parsed.ok).toBe(true);
    const a = outcome.result.manifest.training.feature_assessment!;
    expect(a).toMatchObject({
      method: 'permutation',
      rows: 60,
      repeats: 5,
      seed: 42,
      metric: 'mae',
      higher_is_better: false,
      baseline: outcome.result.manifest.training.metrics.overall.mae,
    });
    expect(a.features.map((f) => [f.name, f.beneficial])).toEqual([
      ['signal', true],
      ['noise', false],
      ['color', true],
    ]);
    expect(a.features.map((f) => f.cost.columns)).toEqual([1, 1, 2]);
    expect(a.features.map((f) => f.cost.pii)).toEqual(['none', 'none', 'drop']);
    const again = await train();
    expect(again.ok && again.result.manifest.training.feature_assessment).toEqual(a);
  });
});
