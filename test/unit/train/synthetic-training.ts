/**
 * Trains packages from the committed synthetic fixture into temporary directories, for the training tests.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainPackage, type TrainedPackage } from '../../../cli/train/train-package.ts';

export const FIXTURES = new URL('../../fixtures/synthetic/', import.meta.url).pathname;
export const SYNTHETIC_CSV = join(FIXTURES, 'synthetic.csv');
export const SPECS = { regression: join(FIXTURES, 'regression.spec.json'), classification: join(FIXTURES, 'classification.spec.json') };

export interface SyntheticRun {
  result: TrainedPackage;
  onnx: Uint8Array;
  manifestJson: unknown;
}

const createdDirs: string[] = [];

/** Deletes the directories trainSynthetic created in this test file. */
export async function removeTrainedDirs(): Promise<void> {
  await Promise.all(createdDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function trainSynthetic(kind: keyof typeof SPECS, algorithm: 'linear' | 'gbdt', seed = 42): Promise<SyntheticRun> {
  const outDir = await mkdtemp(join(tmpdir(), `vigil-train-${kind}-${algorithm}-`));
  createdDirs.push(outDir);
  const outcome = await trainPackage({
    dataPath: SYNTHETIC_CSV,
    modelName: `synthetic-${kind}`,
    algorithm,
    version: '1',
    seed,
    specPath: SPECS[kind],
    outDir,
    trainedAt: '2026-11-27T00:00:00Z',
    force: false,
    codeVersion: 'vigil-train test',
  });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return {
    result: outcome.result,
    onnx: await readFile(outcome.result.modelPath),
    manifestJson: JSON.parse(await readFile(outcome.result.manifestPath, 'utf8')),
  };
}
