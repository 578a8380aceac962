/**
 * The packaging spec (`vigil package --spec spec.json`): what the ONNX graph and the data cannot say —
 * monitoring settings, slices, PII and protected attributes, feature descriptions and domain bounds, labels of
 * a graph that does not name its classes, tolerances. Every field is optional.
 *
 * @example
 * { "stage": "production", "features": { "age": { "min": 0, "max": 120 } },
 *   "monitoring": { "slices": [{ "feature": "sex" }], "protected_attributes": ["sex"] } }
 */
import { z } from 'zod';
import {
  ConversionToleranceSchema,
  DeclarationSchema,
  MonitoringSchema,
  SCORE_TEST_IDS,
  StageSchema,
  TaskSchema,
  ToleranceSchema,
} from '../../src/model/manifest.ts';

export const PackageFeatureSpecSchema = z
  .object({
    description: z.string().max(500).optional(),
    required: z.boolean().optional(),
    nullable: z.boolean().optional(),
    missing_values: z.array(z.string()).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Categories of a string input beyond those the graph and the data show. */
    categories: z.array(z.string().min(1).max(256)).optional(),
    pii: z.enum(['hash', 'drop']).optional(),
    deprecated: z.boolean().optional(),
    /** What a missing value becomes in a string, integer or boolean tensor (e.g. "missing"). */
    impute: z.union([z.number(), z.string().max(256), z.boolean()]).optional(),
  })
  .strict();

export const PackageSpecSchema = z
  .object({
    description: z.string().max(2000).optional(),
    stage: StageSchema.default('production'),
    task: TaskSchema.optional(),
    /** Free text; by default named after the graph's estimator (e.g. LinearClassifier). */
    algorithm: z.string().min(1).max(200).optional(),
    /** Free text; by default named after the ONNX producer (skl2onnx → scikit-learn). */
    framework: z.string().min(1).max(200).optional(),
    hyperparameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    /** Class labels in the order of the probability columns, for graphs that do not carry them. */
    labels: z.array(z.string().min(1)).min(2).optional(),
    positive_label: z.string().optional(),
    /** The float output to serve, when the graph has several. */
    output: z.string().min(1).optional(),
    features: z.record(z.string(), PackageFeatureSpecSchema).default({}),
    monitoring: MonitoringSchema.prefault({}),
    golden_count: z.number().int().min(1).max(1000).default(24),
    golden_tolerance: ToleranceSchema.default({ abs: 1e-5, rel: 1e-5 }),
    conversion_tolerance: ConversionToleranceSchema.default({ abs: 1e-4, rel: 1e-4, label_mismatch_rate: 0.01 }),
    declarations: z.partialRecord(z.enum(SCORE_TEST_IDS), DeclarationSchema).default({}),
  })
  .strict();

export type PackageSpec = z.infer<typeof PackageSpecSchema>;
export type PackageFeatureSpec = z.infer<typeof PackageFeatureSpecSchema>;

export type PackageSpecResult = { ok: true; spec: PackageSpec } | { ok: false; issues: string[] };

export function parsePackageSpec(input: unknown): PackageSpecResult {
  const result = PackageSpecSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, issues: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) };
}
