/**
 * Assembles `manifest.json` from what training computed. Keys come in a fixed order so the file diffs
 * well and is byte-identical for identical inputs.
 *
 * @example
 * const manifest = buildManifest({ spec, name: 'adult-income', version: '2', ... });
 * parseManifest(manifest).ok; // true
 */
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import type {
  CategoricalDistribution,
  Encoding,
  GoldenExample,
  ManifestInput,
  NumericDistribution,
  TrainingInfo,
} from '../../src/model/manifest.ts';
import { categoricalDistribution, numericDistribution } from './feature-stats.ts';
import type { Algorithm, Hyperparameters } from './model.ts';
import type { RowSplit } from './split.ts';
import type { TrainingSpec } from './spec.ts';

export interface ManifestParts {
  spec: TrainingSpec;
  name: string;
  version: string;
  features: readonly FeatureSchemaSpec[];
  trainRows: readonly Row[];
  encoding: Encoding;
  artifact: { sha256: string; bytes: number };
  outputTensor: string;
  /** Labels in probability-column order (negative, positive); undefined for regression. */
  labels?: [string, string];
  outputTraining: NumericDistribution & { label_frequencies?: Record<string, number> };
  trainedAt: string;
  dataset: { file: string; sha256: string; rows: number };
  split: RowSplit;
  seed: number;
  algorithm: Algorithm;
  hyperparameters: Hyperparameters;
  codeVersion: string;
  metrics: TrainingInfo['metrics'];
  featureAssessment?: TrainingInfo['feature_assessment'];
  tuning?: TrainingInfo['tuning'];
  golden: GoldenExample[];
}

/** Serving must reproduce goldens this closely (float32 arithmetic, different batch shapes). */
export const GOLDEN_TOLERANCE = { abs: 1e-5, rel: 1e-5 };

/** Each feature's training statistics over the training split's rows, in feature order. */
export function featureTrainingStats(
  features: readonly FeatureSchemaSpec[],
  trainRows: readonly Row[],
): (NumericDistribution | CategoricalDistribution)[] {
  return features.map((f, i) => {
    const values = trainRows.map((row) => row[i] ?? null);
    return f.type === 'number' || f.type === 'integer'
      ? numericDistribution(values as (number | null)[])!
      : categoricalDistribution(values, f.type === 'boolean' ? ['false', 'true'] : (f.categories ?? []));
  });
}

export function buildManifest(p: ManifestParts): ManifestInput {
  const stats = featureTrainingStats(p.features, p.trainRows);
  return {
    schema_version: 1,
    name: p.name,
    version: p.version,
    task: p.spec.task,
    stage: p.spec.stage,
    ...(p.spec.description !== undefined ? { description: p.spec.description } : {}),
    artifact: { file: 'model.onnx', format: 'onnx', sha256: p.artifact.sha256, bytes: p.artifact.bytes },
    features: p.features.map((f, i) => {
      const training = stats[i]!;
      return {
        name: f.name,
        type: f.type,
        ...(f.description !== undefined ? { description: f.description } : {}),
        required: f.required,
        nullable: f.nullable,
        missing_values: f.missing_values,
        ...(f.min !== undefined ? { min: f.min } : {}),
        ...(f.max !== undefined ? { max: f.max } : {}),
        ...(f.categories !== undefined ? { categories: f.categories } : {}),
        ...(f.pii !== undefined ? { pii: f.pii } : {}),
        deprecated: f.deprecated,
        training,
      };
    }),
    encoding: p.encoding,
    output: {
      tensor: p.outputTensor,
      ...(p.labels ? { labels: p.labels, positive_label: p.labels[1] } : {}),
      training: p.outputTraining,
    },
    training: {
      trained_at: p.trainedAt,
      dataset: { file: p.dataset.file, sha256: p.dataset.sha256, rows: p.dataset.rows, target: p.spec.target },
      split: {
        method: p.split.method,
        holdout_fraction: p.split.holdoutFraction,
        train_rows: p.split.train.length,
        holdout_rows: p.split.holdout.length,
      },
      seed: p.seed,
      algorithm: p.algorithm,
      hyperparameters: p.hyperparameters,
      code_version: p.codeVersion,
      metrics: p.metrics,
      ...(p.featureAssessment ? { feature_assessment: p.featureAssessment } : {}),
      ...(p.tuning ? { tuning: p.tuning } : {}),
    },
    golden: p.golden,
    golden_tolerance: GOLDEN_TOLERANCE,
    monitoring: p.spec.monitoring,
    ...(Object.keys(p.spec.declarations).length > 0 ? { declarations: p.spec.declarations } : {}),
  };
}
