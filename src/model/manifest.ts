/**
 * The model package manifest (`manifest.json`): one zod schema shared by training, the CLI and the Worker.
 *
 * @example
 * const result = parseManifest(JSON.parse(text));
 * if (!result.ok) console.error(result.issues);
 */
import { z } from 'zod';

export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;
const FEATURE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const rate = z.number().min(0).max(1);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');

export const TaskSchema = z.enum(['regression', 'binary_classification', 'multiclass_classification']);
export const StageSchema = z.enum(['research', 'roadmap', 'production']);
export const FeatureTypeSchema = z.enum(['number', 'integer', 'category', 'boolean']);

/** Decile (or coarser, when values tie) histogram of a numeric quantity seen in training. */
export const NumericDistributionSchema = z.object({
  count: z.number().int().min(0),
  null_rate: rate,
  mean: finite,
  std: finite.refine((v) => v >= 0, 'must be >= 0'),
  min: finite,
  max: finite,
  /** Interior bin edges, strictly increasing; bin i holds values v with edges[i-1] < v <= edges[i]. */
  bin_edges: z.array(finite),
  /** One frequency per bin (bin_edges.length + 1), summing to 1. */
  bin_frequencies: z.array(rate),
});

export const CategoricalDistributionSchema = z.object({
  count: z.number().int().min(0),
  null_rate: rate,
  category_frequencies: z.record(z.string(), rate),
});

export const FeatureTrainingStatsSchema = z.union([NumericDistributionSchema, CategoricalDistributionSchema]);

export const FeatureSchema = z.object({
  name: z.string().regex(FEATURE_NAME_PATTERN, 'must start with a letter or _ and use letters, digits, _ . -'),
  type: FeatureTypeSchema,
  description: z.string().max(500).optional(),
  required: z.boolean().default(true),
  nullable: z.boolean().default(false),
  /** Strings that mean "missing" for this feature (e.g. "?" in UCI Adult); they are read as null. */
  missing_values: z.array(z.string()).default([]),
  min: finite.optional(),
  max: finite.optional(),
  categories: z.array(z.string().min(1).max(256)).min(1).optional(),
  /** PII features are never stored raw: hashed with a per-deployment salt, or dropped from samples. */
  pii: z.enum(['hash', 'drop']).optional(),
  /** Accepted and counted, but a warning is returned to the caller. */
  deprecated: z.boolean().default(false),
  training: FeatureTrainingStatsSchema,
});

export const EncodingColumnSchema = z.discriminatedUnion('transform', [
  /** One column: the value as float32; null becomes `impute`. */
  z.object({ transform: z.literal('numeric'), feature: z.string(), impute: finite }),
  /** One column: 1 when true, 0 when false; null becomes `impute`. */
  z.object({ transform: z.literal('boolean'), feature: z.string(), impute: z.union([z.literal(0), z.literal(1)]) }),
  /** One column per category: 1 for the value's category, 0 elsewhere; null is all zeros. */
  z.object({ transform: z.literal('one_hot'), feature: z.string(), categories: z.array(z.string()).min(1) }),
  /** One column: 1 when the value is null (missing), else 0. */
  z.object({ transform: z.literal('is_null'), feature: z.string() }),
]);

export const EncodingSchema = z.object({
  /** Name of the model's single float32 input tensor, shape [N, width]. */
  input_name: z.string().min(1),
  columns: z.array(EncodingColumnSchema).min(1),
});

export const OutputSchema = z.object({
  /** Output tensor read by the service: [N, 1] values (regression) or [N, K] probabilities (classification). */
  tensor: z.string().min(1),
  /** Class labels in the order of the probability columns (classification only). */
  labels: z.array(z.string().min(1)).min(2).optional(),
  /** The class whose probability is monitored and used for AUC (binary classification). */
  positive_label: z.string().optional(),
  /** Distribution of the regression value or of the positive-class probability on the training data. */
  training: NumericDistributionSchema.extend({
    label_frequencies: z.record(z.string(), rate).optional(),
  }),
});

export const MetricsSchema = z.record(z.string(), finite);

export const SliceMetricsSchema = z.object({
  feature: z.string(),
  slice: z.string(),
  rows: z.number().int().min(0),
  metrics: MetricsSchema,
});

export const TrainingInfoSchema = z.object({
  trained_at: z.iso.datetime({ offset: true }),
  dataset: z.object({
    file: z.string(),
    sha256: sha256Hex,
    rows: z.number().int().min(1),
    target: z.string(),
  }),
  split: z.object({
    method: z.string(),
    holdout_fraction: rate,
    train_rows: z.number().int().min(1),
    holdout_rows: z.number().int().min(1),
  }),
  seed: z.number().int(),
  algorithm: z.enum(['linear', 'logistic', 'gbdt']),
  hyperparameters: z.record(z.string(), z.union([finite, z.string(), z.boolean()])),
  code_version: z.string(),
  metrics: z.object({
    /** The metric quality is judged by: MAE for regression, AUC for classification. */
    primary: z.string(),
    /** Whether a larger value of the primary metric is better (AUC) or worse (MAE). */
    higher_is_better: z.boolean(),
    overall: MetricsSchema,
    slices: z.array(SliceMetricsSchema).default([]),
  }),
});

export const FeatureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const GoldenExampleSchema = z.object({
  instance: z.record(z.string(), FeatureValueSchema),
  /** The model input row the training code produced for this instance (the encoding parity check). */
  encoded: z.array(finite),
  expected: z.union([
    z.object({ value: finite }),
    z.object({ label: z.string(), probabilities: z.record(z.string(), rate) }),
  ]),
});

export const ToleranceSchema = z.object({ abs: z.number().min(0), rel: z.number().min(0) });

export const SliceSpecSchema = z.object({
  feature: z.string(),
  /** For numeric features: band edges; a value v falls in the band (edges[i-1], edges[i]]. */
  bands: z.array(finite).optional(),
});

const thresholds = (warn: number, fail: number) =>
  z.object({ warn: z.number().min(0), fail: z.number().min(0) }).default({ warn, fail });

/** Health-check thresholds and scope (DESIGN §6); every field has the design's default. */
export const MonitoringSchema = z.object({
  max_age_days: z.number().positive().default(180),
  sample_rate: rate.default(0.01),
  latency_budget_ms: z.number().positive().default(8),
  /** Length of the window checks look at (drift compares it with the window before it). */
  window_minutes: z.number().int().positive().default(60),
  /** Observations a window needs before a check concludes anything (else insufficient_data). */
  min_samples: z.number().int().positive().default(100),
  /** Share of rejected instances, and of invalid values per feature. */
  invalid_rate: thresholds(0.005, 0.01),
  /** Rise of a feature's null rate over its training null rate (absolute). */
  null_rate_increase: thresholds(0.05, 0.1),
  /** PSI of numeric features and predictions, serving vs training. */
  skew: thresholds(0.1, 0.25),
  /** PSI, this window vs the previous one. */
  drift: thresholds(0.1, 0.25),
  /** Jensen–Shannon divergence (base 2) of categorical features, for skew and drift. */
  categorical_divergence: thresholds(0.02, 0.05),
  shadow: z
    .object({
      /** Mean |shadow - primary| over the std of the training predictions (regression). */
      mean_abs_diff_ratio: thresholds(0.5, 1),
      /** 1 - label agreement (classification). */
      label_disagreement: thresholds(0.1, 0.2),
      /** Share of shadowed instances the shadow failed on. */
      error_rate: thresholds(0.001, 0.01),
    })
    .default({ mean_abs_diff_ratio: { warn: 0.5, fail: 1 }, label_disagreement: { warn: 0.1, fail: 0.2 }, error_rate: { warn: 0.001, fail: 0.01 } }),
  canary: z
    .object({
      error_rate: thresholds(0.001, 0.01),
      /** PSI of the canary's prediction distribution against the primary's over the same window. */
      prediction_psi: thresholds(0.1, 0.25),
    })
    .default({ error_rate: { warn: 0.001, fail: 0.01 }, prediction_psi: { warn: 0.1, fail: 0.25 } }),
  /** Relative degradation of the primary metric on labelled feedback vs the offline metric. */
  quality_degradation: thresholds(0.05, 0.1),
  /** Growth of the largest gap between protected groups (positive rate, true positive rate) over training. */
  bias_gap_increase: thresholds(0.05, 0.1),
  slices: z.array(SliceSpecSchema).default([]),
  protected_attributes: z.array(z.string()).default([]),
});

/** The ML Test Score rubric's 28 tests (Breck et al. 2017), 7 per section, by id. */
export const SCORE_TEST_IDS = [
  'data_1', 'data_2', 'data_3', 'data_4', 'data_5', 'data_6', 'data_7',
  'model_1', 'model_2', 'model_3', 'model_4', 'model_5', 'model_6', 'model_7',
  'infra_1', 'infra_2', 'infra_3', 'infra_4', 'infra_5', 'infra_6', 'infra_7',
  'monitor_1', 'monitor_2', 'monitor_3', 'monitor_4', 'monitor_5', 'monitor_6', 'monitor_7',
] as const;
export type ScoreTestId = (typeof SCORE_TEST_IDS)[number];

/**
 * A test the team runs by hand and documents (half a point in the rubric): who did it, when, and where the
 * evidence is (e.g. "model spec reviewed in design doc X").
 */
export const DeclarationSchema = z.object({
  evidence: z.string().min(1).max(1000),
  by: z.string().max(200).optional(),
  date: z.string().max(40).optional(),
});

export const ArtifactSchema = z.object({
  file: z.literal('model.onnx'),
  format: z.literal('onnx'),
  sha256: sha256Hex,
  bytes: z.number().int().positive(),
});

const ManifestObjectSchema = z.object({
  schema_version: z.literal(1),
  name: z.string().regex(MODEL_NAME_PATTERN, 'must be lowercase letters, digits and dashes'),
  version: z.string().regex(VERSION_PATTERN, 'must be a positive integer string such as "3"'),
  task: TaskSchema,
  stage: StageSchema,
  description: z.string().max(2000).optional(),
  artifact: ArtifactSchema,
  features: z.array(FeatureSchema).min(1),
  encoding: EncodingSchema,
  output: OutputSchema,
  training: TrainingInfoSchema,
  golden: z.array(GoldenExampleSchema).min(1),
  golden_tolerance: ToleranceSchema.default({ abs: 1e-6, rel: 1e-5 }),
  monitoring: MonitoringSchema.default(MonitoringSchema.parse({})),
  /** Rubric tests done manually and documented, by test id (see the score card report). */
  declarations: z.partialRecord(z.enum(SCORE_TEST_IDS), DeclarationSchema).default({}),
});

export const ManifestSchema = ManifestObjectSchema.superRefine(checkManifestConsistency);

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;
export type Feature = z.infer<typeof FeatureSchema>;
export type FeatureType = z.infer<typeof FeatureTypeSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type EncodingColumn = z.infer<typeof EncodingColumnSchema>;
export type Encoding = z.infer<typeof EncodingSchema>;
export type NumericDistribution = z.infer<typeof NumericDistributionSchema>;
export type CategoricalDistribution = z.infer<typeof CategoricalDistributionSchema>;
export type GoldenExample = z.infer<typeof GoldenExampleSchema>;
export type Monitoring = z.infer<typeof MonitoringSchema>;
export type TrainingInfo = z.infer<typeof TrainingInfoSchema>;
export type FeatureValue = z.infer<typeof FeatureValueSchema>;

function isNumericType(type: FeatureType): boolean {
  return type === 'number' || type === 'integer';
}

function checkManifestConsistency(m: z.infer<typeof ManifestObjectSchema>, ctx: z.RefinementCtx): void {
  const byName = new Map<string, Feature>();
  m.features.forEach((f, i) => {
    if (byName.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
    byName.set(f.name, f);
    if (f.type === 'category' && !f.categories) {
      ctx.addIssue({ code: 'custom', path: ['features', i, 'categories'], message: 'a category feature needs its categories' });
    }
    if (f.type !== 'category' && f.categories) {
      ctx.addIssue({ code: 'custom', path: ['features', i, 'categories'], message: 'only category features have categories' });
    }
    if (!isNumericType(f.type) && (f.min !== undefined || f.max !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['features', i, 'min'], message: 'only number and integer features have min/max' });
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
      ctx.addIssue({ code: 'custom', path: ['features', i, 'max'], message: 'max must be >= min' });
    }
    const numericStats = 'bin_edges' in f.training;
    if (isNumericType(f.type) !== numericStats) {
      ctx.addIssue({
        code: 'custom',
        path: ['features', i, 'training'],
        message: isNumericType(f.type) ? 'numeric features need bin_edges/bin_frequencies' : 'category and boolean features need category_frequencies',
      });
    }
    if ('bin_edges' in f.training) checkBins(f.training, ['features', i, 'training'], ctx);
  });
  checkBins(m.output.training, ['output', 'training'], ctx);

  m.encoding.columns.forEach((col, i) => {
    const f = byName.get(col.feature);
    const path = ['encoding', 'columns', i];
    if (!f) {
      ctx.addIssue({ code: 'custom', path: [...path, 'feature'], message: `unknown feature "${col.feature}"` });
      return;
    }
    if (col.transform === 'numeric' && !isNumericType(f.type)) {
      ctx.addIssue({ code: 'custom', path, message: `numeric transform needs a number or integer feature, "${f.name}" is ${f.type}` });
    }
    if (col.transform === 'boolean' && f.type !== 'boolean') {
      ctx.addIssue({ code: 'custom', path, message: `boolean transform needs a boolean feature, "${f.name}" is ${f.type}` });
    }
    if (col.transform === 'one_hot') {
      if (f.type !== 'category') ctx.addIssue({ code: 'custom', path, message: `one_hot needs a category feature, "${f.name}" is ${f.type}` });
      const known = new Set(f.categories ?? []);
      for (const c of col.categories) {
        if (!known.has(c)) ctx.addIssue({ code: 'custom', path: [...path, 'categories'], message: `"${c}" is not a category of "${f.name}"` });
      }
    }
  });

  const width = encodedWidth(m.encoding);
  m.golden.forEach((g, i) => {
    if (g.encoded.length !== width) {
      ctx.addIssue({ code: 'custom', path: ['golden', i, 'encoded'], message: `has ${g.encoded.length} values, the encoding has ${width} columns` });
    }
    const isRegressionExpectation = 'value' in g.expected;
    if (isRegressionExpectation !== (m.task === 'regression')) {
      ctx.addIssue({ code: 'custom', path: ['golden', i, 'expected'], message: `does not match task ${m.task}` });
    }
  });

  if (m.task === 'regression') {
    if (m.output.labels) ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'regression models have no labels' });
  } else {
    const labels = m.output.labels;
    if (!labels) {
      ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'classification models need output.labels' });
    } else {
      if (new Set(labels).size !== labels.length) ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'labels must be unique' });
      if (m.task === 'binary_classification' && labels.length !== 2) {
        ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'binary classification needs exactly 2 labels' });
      }
      if (m.output.positive_label !== undefined && !labels.includes(m.output.positive_label)) {
        ctx.addIssue({ code: 'custom', path: ['output', 'positive_label'], message: 'must be one of output.labels' });
      }
    }
  }

  const sliceable = [...m.monitoring.slices.map((s) => s.feature), ...m.monitoring.protected_attributes];
  for (const name of sliceable) {
    if (!byName.has(name)) ctx.addIssue({ code: 'custom', path: ['monitoring'], message: `slice or protected attribute "${name}" is not a feature` });
  }
}

function checkBins(d: NumericDistribution, path: (string | number)[], ctx: z.RefinementCtx): void {
  for (let i = 1; i < d.bin_edges.length; i++) {
    if (!(d.bin_edges[i]! > d.bin_edges[i - 1]!)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'bin_edges'], message: 'must be strictly increasing' });
      return;
    }
  }
  if (d.bin_frequencies.length !== d.bin_edges.length + 1) {
    ctx.addIssue({ code: 'custom', path: [...path, 'bin_frequencies'], message: 'needs one frequency per bin (bin_edges.length + 1)' });
  }
}

/** Number of float32 columns the encoding produces per instance. */
export function encodedWidth(encoding: Encoding): number {
  let width = 0;
  for (const col of encoding.columns) width += col.transform === 'one_hot' ? col.categories.length : 1;
  return width;
}

export interface ManifestIssue {
  path: string;
  message: string;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; issues: ManifestIssue[] };

/** Validates a parsed `manifest.json`; failures are values listing each field and what is wrong with it. */
export function parseManifest(input: unknown): ManifestResult {
  const result = ManifestSchema.safeParse(input);
  if (result.success) return { ok: true, manifest: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message })),
  };
}

export function positiveLabel(m: Manifest): string | undefined {
  if (m.task !== 'binary_classification') return undefined;
  return m.output.positive_label ?? m.output.labels?.[1];
}
