/**
 * Permutation importance and feature costs for `vigil package` (the manifest's `training.feature_assessment`):
 * each feature's values are shuffled among the `--data` rows before the package's own encoding, and the rows
 * go through the same runtime, encoder and decoder as every other prediction packaging makes. Needs the target
 * column: without labels there is nothing to measure.
 *
 * @example
 * const result = await assessPackage({ runtime, modelBytes, draft, features, plan, rows, targets });
 * if (result.ok) manifest.training.feature_assessment = result.assessment;
 */
import { compileModel, runRows, type RunnableManifest } from '../../src/inference/model-runner.ts';
import type { ModelRuntime } from '../../src/inference/model-runtime.ts';
import { deriveSeed, mulberry32, shuffledIndexes } from '../../src/lib/random.ts';
import type { Prediction } from '../../src/model/decode.ts';
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import { ASSESSMENT_REPEATS, assessFeatures, type FeatureAssessment } from '../train/feature-assessment.ts';
import { primaryMetric, primaryMetricOf } from './evaluate.ts';
import type { OutputPlan } from './outputs.ts';
import { PackageError } from './package-error.ts';

/** Rows assessed at most: a seeded sample of larger data keeps packaging quick. */
export const MAX_ASSESSED_ROWS = 5000;
/** Packaging takes no seed; this one fixes the sample and the shuffles. */
export const ASSESSMENT_SEED = 42;
/** Rows per run (bounds the tensors' memory), as when scoring the data. */
const RUN_ROWS = 4096;
const SAMPLE_STREAM = 0x73616d70;

export interface PackageAssessmentInput {
  runtime: ModelRuntime;
  modelBytes: Uint8Array;
  draft: RunnableManifest;
  /** The draft's features, in the same order. */
  features: readonly FeatureSchemaSpec[];
  plan: OutputPlan;
  /** Every validated row of the data, and its target (value or class index). */
  rows: readonly Row[];
  targets: Float64Array;
}

export type PackageAssessment = { ok: true; assessment: FeatureAssessment } | { ok: false; reason: string };

export async function assessPackage(input: PackageAssessmentInput): Promise<PackageAssessment> {
  const { draft, plan } = input;
  const chosen = sampleRows(input.rows.length, MAX_ASSESSED_ROWS, ASSESSMENT_SEED);
  const rows = Array.from(chosen, (r) => input.rows[r]!);
  const targets = Float64Array.from(chosen, (r) => input.targets[r]!);
  const { primary, higher_is_better } = primaryMetricOf(plan.task);
  if (plan.task === 'binary_classification') {
    const positive = plan.labels!.indexOf(plan.positiveLabel!);
    const positives = targets.filter((t) => t === positive).length;
    if (positives === 0 || positives === targets.length)
      return { ok: false, reason: `the target holds one class only, so ${primary} is undefined` };
  }
  const model = compileModel(draft);
  const session = await input.runtime.createSession(input.modelBytes);
  try {
    const metricOf = async (batch: readonly Row[]): Promise<number> => {
      const predictions: Prediction[] = [];
      for (let start = 0; start < batch.length; start += RUN_ROWS) {
        const chunk = batch.slice(start, start + RUN_ROWS);
        predictions.push(...model.decoder.decode(await runRows(session, model, chunk), chunk.length));
      }
      const value = primaryMetric(plan, predictions, targets);
      if (value === null) throw new PackageError(`${primary} is undefined on the assessed rows`);
      return value;
    };
    const assessment = await assessFeatures({
      features: input.features,
      // As the manifest's statistics have them: over every row of the data.
      nullRates: input.features.map((_, i) => input.rows.filter((row) => (row[i] ?? null) === null).length / input.rows.length),
      encoding: draft.encoding,
      rows,
      repeats: ASSESSMENT_REPEATS,
      seed: ASSESSMENT_SEED,
      metric: primary,
      higherIsBetter: higher_is_better,
      metricOf,
    });
    return { ok: true, assessment };
  } finally {
    await session.release();
  }
}

/** All row indexes when they fit; else a seeded sample of `max`, ascending. */
export function sampleRows(rows: number, max: number, seed: number): Uint32Array {
  if (rows <= max) return Uint32Array.from({ length: rows }, (_, r) => r);
  return shuffledIndexes(rows, mulberry32(deriveSeed(seed, SAMPLE_STREAM)))
    .slice(0, max)
    .sort();
}
