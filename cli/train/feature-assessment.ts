/**
 * The manifest's `training.feature_assessment` (ML Test Score data_2 and data_3): permutation importance of
 * every feature on held-out rows beside what the feature costs. Shared by `vigil train` (the holdout split)
 * and `vigil package` (the `--data` rows); each brings its own way of computing the primary metric.
 *
 * @example
 * const assessment = await assessFeatures({ features, nullRates, encoding, rows, repeats: 5, seed: 42,
 *   metric: 'mae', higherIsBetter: false, metricOf: async (r) => mae(await predict(r)) });
 */
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import type { Encoding, TrainingInfo } from '../../src/model/manifest.ts';
import { encodeShares, featureColumns } from './feature-cost.ts';
import { permutationImportance, type FeatureImportance } from './permutation-importance.ts';

export type FeatureAssessment = NonNullable<TrainingInfo['feature_assessment']>;

/** Shuffles per feature: enough for a standard error, few enough to keep packaging quick. */
export const ASSESSMENT_REPEATS = 5;

export interface AssessmentInput {
  features: readonly FeatureSchemaSpec[];
  /** Each feature's null rate in the training statistics, in feature order. */
  nullRates: readonly number[];
  encoding: Encoding;
  /** Validated rows in feature order, their targets known to `metricOf`. */
  rows: readonly Row[];
  repeats: number;
  seed: number;
  metric: string;
  higherIsBetter: boolean;
  /** The primary metric of the model's predictions for these rows (the same rows, possibly with one feature shuffled). */
  metricOf: (rows: readonly Row[]) => Promise<number>;
  onFeature?: (name: string, importance: FeatureImportance) => void;
}

export async function assessFeatures(input: AssessmentInput): Promise<FeatureAssessment> {
  const { features, rows } = input;
  const result = await permutationImportance(rows, features.length, input.metricOf, {
    repeats: input.repeats,
    seed: input.seed,
    higherIsBetter: input.higherIsBetter,
    ...(input.onFeature
      ? { onFeature: (i: number, importance: FeatureImportance) => input.onFeature!(features[i]!.name, importance) }
      : {}),
  });
  const shares = encodeShares(features, input.encoding, rows);
  return {
    method: 'permutation',
    rows: rows.length,
    repeats: input.repeats,
    seed: input.seed,
    metric: input.metric,
    higher_is_better: input.higherIsBetter,
    baseline: result.baseline,
    features: features.map((f, i) => ({
      name: f.name,
      ...result.features[i]!,
      cost: {
        encode_share: shares[i]!,
        columns: featureColumns(input.encoding, f.name),
        null_rate: input.nullRates[i]!,
        pii: f.pii ?? 'none',
      },
    })),
  };
}
