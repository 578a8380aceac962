/**
 * The model package manifest (`manifest.json`): one zod schema shared by training, the CLI and the Worker.
 *
 * @example
 * const result = parseManifest(JSON.parse(text));
 * if (!result.ok) console.error(result.issues);
 */
import { z } from 'zod';
import { INTEGER_DTYPE_RANGE, isFloatDtype, TENSOR_DTYPES, type TensorDtype } from './tensor.ts';

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
  /**
   * One column: the validated value itself, as the tensor's element type (a number, a category's string, a
   * boolean). Null becomes `impute` when given, else NaN in a float tensor (for the graph's own imputer); a
   * string, integer or boolean tensor cannot take null without `impute`. Imported models take their features
   * this way.
   */
  z.object({ transform: z.literal('value'), feature: z.string(), impute: z.union([finite, z.string().max(256), z.boolean()]).optional() }),
]);

export const TensorDtypeSchema = z.enum(TENSOR_DTYPES);

/** One input tensor of the model and the features that fill it, column by column. */
export const ModelInputSchema = z.object({
  name: z.string().min(1),
  dtype: TensorDtypeSchema,
  /** 1: shape [N] (one column); 2: shape [N, columns.length]. */
  rank: z.union([z.literal(1), z.literal(2)]),
  columns: z.array(EncodingColumnSchema).min(1),
});

/** Vigil-trained models: one float32 input tensor `[N, width]`, built from transformed features. */
export const MatrixEncodingSchema = z.object({
  /** Name of the model's single float32 input tensor, shape [N, width]. */
  input_name: z.string().min(1),
  columns: z.array(EncodingColumnSchema).min(1),
});

/** Any ONNX export: every input tensor of the graph, each with its element type, rank and columns. */
export const InputsEncodingSchema = z.object({
  inputs: z.array(ModelInputSchema).min(1),
  /**
   * The graph's fixed batch size, when it has one (a `torch.onnx.export` without a dynamic batch axis):
   * requests are run in batches of exactly this many rows. Absent: any batch size.
   */
  batch_size: z.number().int().positive().optional(),
});

export const EncodingSchema = z.union([MatrixEncodingSchema, InputsEncodingSchema]);

export const OutputSchema = z.object({
  /** Output tensor read by the service: [N, 1] or [N] values (regression), [N, K] probabilities (classification). */
  tensor: z.string().min(1),
  /**
   * Output tensor holding each row's predicted label (int64 or string), when the graph computes one: served
   * labels are the model's own (read from it) rather than the most probable class.
   */
  label_tensor: z.string().min(1).optional(),
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

/** One class's metrics (multiclass and binary classification): one-vs-rest. */
export const ClassMetricsSchema = z.object({
  label: z.string(),
  rows: z.number().int().min(0),
  metrics: MetricsSchema,
});

/**
 * What each feature is worth and what it costs (ML Test Score data_2 and data_3), measured when the package was
 * made: permutation importance on held-out rows (the training holdout, or the rows given to `vigil package`) —
 * how much the primary metric worsens when the feature's column is shuffled — beside the feature's costs.
 */
export const FeatureAssessmentSchema = z.object({
  method: z.literal('permutation'),
  /** Rows permuted: the training holdout, or the `--data` rows of `vigil package` (at most a sample of them). */
  rows: z.number().int().min(1),
  repeats: z.number().int().min(1),
  seed: z.number().int(),
  /** The primary metric, and its value with no feature permuted. */
  metric: z.string(),
  higher_is_better: z.boolean(),
  baseline: finite,
  features: z.array(
    z.object({
      name: z.string(),
      /** Mean worsening of the metric over the repeats (positive: the feature helps), and its standard error. */
      importance: finite,
      std_error: z.number().min(0),
      /** Whether the feature measurably helps: importance above twice its standard error and above zero. */
      beneficial: z.boolean(),
      cost: z.object({
        /**
         * Share of the work of validating and encoding a row that is this feature's: the checks, lookups and
         * column writes the shared validator and encoder do for it, counted (deterministic, so packages reproduce
         * byte for byte; it tracks timed shares within their run-to-run noise).
         */
        encode_share: rate,
        /** Encoded columns (or tensor elements) the feature takes. */
        columns: z.number().int().min(0),
        null_rate: rate,
        pii: z.enum(['none', 'hash', 'drop']),
      }),
    }),
  ),
});

/** How hyperparameters were chosen (ML Test Score model_3): the seeded grid searched with k-fold cross-validation. */
export const TuningSchema = z.object({
  method: z.literal('grid'),
  folds: z.number().int().min(2),
  seed: z.number().int(),
  /** The primary metric, averaged over the folds. */
  metric: z.string(),
  higher_is_better: z.boolean(),
  candidates: z
    .array(
      z.object({
        hyperparameters: z.record(z.string(), z.union([finite, z.string(), z.boolean()])),
        mean: finite,
        std: z.number().min(0),
      }),
    )
    .min(2),
  /** Index of the winner in `candidates`: the hyperparameters the model was trained with. */
  selected: z.number().int().min(0),
});

export const TrainingInfoSchema = z.object({
  trained_at: z.iso.datetime({ offset: true }),
  /** The data the statistics (and metrics, with a target) come from: the training file, or the rows given to `vigil package`. */
  dataset: z.object({
    file: z.string(),
    sha256: sha256Hex,
    rows: z.number().int().min(1),
    /** The label column; absent for an imported model packaged without one (no offline metrics then). */
    target: z.string().optional(),
  }),
  /** How training split the data (Vigil-trained models); imported models were trained elsewhere. */
  split: z
    .object({
      method: z.string(),
      holdout_fraction: rate,
      train_rows: z.number().int().min(1),
      holdout_rows: z.number().int().min(1),
    })
    .optional(),
  seed: z.number().int().optional(),
  /** Free text: `linear`, `gbdt`, `LogisticRegression`, `XGBClassifier`, … */
  algorithm: z.string().min(1).max(200),
  /** The framework that trained the model, free text (`vigil-train`, `scikit-learn`, `xgboost`, `pytorch`). */
  framework: z.string().min(1).max(200).optional(),
  hyperparameters: z.record(z.string(), z.union([finite, z.string(), z.boolean()])).default({}),
  code_version: z.string(),
  metrics: z.object({
    /** The metric quality is judged by: MAE for regression, AUC for binary and accuracy for multiclass classification. */
    primary: z.string(),
    /** Whether a larger value of the primary metric is better (AUC) or worse (MAE). */
    higher_is_better: z.boolean(),
    /** Empty when there were no labels to measure on. */
    overall: MetricsSchema,
    slices: z.array(SliceMetricsSchema).default([]),
    /** Per class, one-vs-rest (classification). */
    classes: z.array(ClassMetricsSchema).optional(),
  }),
  /** Permutation importance and cost per feature, when measured (needs labelled rows). */
  feature_assessment: FeatureAssessmentSchema.optional(),
  /** The hyperparameter search, when training ran one. */
  tuning: TuningSchema.optional(),
});

export const FeatureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** An encoded value of a tensor element; null is NaN (JSON has no NaN). */
export const EncodedValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const GoldenExampleSchema = z.object({
  instance: z.record(z.string(), FeatureValueSchema),
  /**
   * The model input the packaging code produced for this instance (the encoding parity check): the float32
   * row of a Vigil-trained model, or each input tensor's row by input name.
   */
  encoded: z.union([z.array(finite), z.record(z.string(), z.array(EncodedValueSchema))]),
  expected: z.union([z.object({ value: finite }), z.object({ label: z.string(), probabilities: z.record(z.string(), rate) })]),
});

export const ToleranceSchema = z.object({ abs: z.number().min(0), rel: z.number().min(0) });

export const SliceSpecSchema = z.object({
  feature: z.string(),
  /** For numeric features: band edges; a value v falls in the band (edges[i-1], edges[i]]. */
  bands: z.array(finite).optional(),
});

const thresholds = (warn: number, fail: number) => z.object({ warn: z.number().min(0), fail: z.number().min(0) }).default({ warn, fail });

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
    .default({
      mean_abs_diff_ratio: { warn: 0.5, fail: 1 },
      label_disagreement: { warn: 0.1, fail: 0.2 },
      error_rate: { warn: 0.001, fail: 0.01 },
    }),
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
  'data_1',
  'data_2',
  'data_3',
  'data_4',
  'data_5',
  'data_6',
  'data_7',
  'model_1',
  'model_2',
  'model_3',
  'model_4',
  'model_5',
  'model_6',
  'model_7',
  'infra_1',
  'infra_2',
  'infra_3',
  'infra_4',
  'infra_5',
  'infra_6',
  'infra_7',
  'monitor_1',
  'monitor_2',
  'monitor_3',
  'monitor_4',
  'monitor_5',
  'monitor_6',
  'monitor_7',
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

/** Tolerance of the conversion parity check: how far the ONNX model may be from the framework it came from. */
export const ConversionToleranceSchema = z.object({
  abs: z.number().min(0),
  rel: z.number().min(0),
  /** Share of rows whose label may differ (float32 vs float64 arithmetic flips labels at the boundary). */
  label_mismatch_rate: rate,
});

/** The ONNX model against the source framework's own predictions on the packaged rows (`--reference-column`). */
export const ConversionParitySchema = z.object({
  reference_column: z.string(),
  rows: z.number().int().min(1),
  /** Regression: |onnx - reference|. Classification with a probability reference: |P(positive) - reference|. */
  max_abs_diff: z.number().min(0).nullable(),
  /** The largest difference over the tolerance allowed for it: ≤ 1 passes. */
  max_tolerance_ratio: z.number().min(0).nullable(),
  /** Classification with a label reference: rows whose ONNX label differs. */
  label_mismatches: z.number().int().min(0).nullable(),
  label_mismatch_rate: rate.nullable(),
  tolerance: ConversionToleranceSchema,
  /** Up to 10 of the largest disagreements, by CSV line. */
  worst: z
    .array(z.object({ line: z.number().int(), onnx: z.union([z.number(), z.string()]), reference: z.union([z.number(), z.string()]) }))
    .max(10),
});

/** An imported model: where its ONNX file came from and what `vigil package` changed in it. */
export const OriginSchema = z.object({
  /** The file as the user gave it. */
  file: z.string(),
  sha256: sha256Hex,
  bytes: z.number().int().positive(),
  /** The ONNX producer (e.g. skl2onnx 1.11), as the file says. */
  producer: z.string(),
  /** Operator set versions by domain ('' is ai.onnx). */
  opsets: z.record(z.string(), z.number().int()),
  /** Graph rewrites, in order; empty when model.onnx is the original file. */
  rewrites: z.array(
    z.object({
      kind: z.literal('remove_zipmap'),
      /** The ZipMap's output (a sequence of maps) that was removed from the graph outputs. */
      removed_output: z.string(),
      /** The probability tensor that feeds it, now a graph output. */
      probabilities: z.string(),
    }),
  ),
  conversion_parity: ConversionParitySchema.optional(),
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
  /** Imported models only (`vigil package`): the original file and what was done to it. */
  origin: OriginSchema.optional(),
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
export type ModelInput = z.infer<typeof ModelInputSchema>;
export type MatrixEncoding = z.infer<typeof MatrixEncodingSchema>;
/** A Vigil-trained model's manifest: one float32 matrix input; each golden example's encoded row is a list of numbers. */
export type TrainedManifest = Omit<Manifest, 'encoding' | 'golden'> & {
  encoding: MatrixEncoding;
  golden: (Omit<GoldenExample, 'encoded'> & { encoded: number[] })[];
};
export type TrainedManifestInput = Omit<ManifestInput, 'encoding' | 'golden'> & {
  encoding: MatrixEncoding;
  golden: (Omit<ManifestInput['golden'][number], 'encoded'> & { encoded: number[] })[];
};
export type Origin = z.infer<typeof OriginSchema>;
export type ConversionParity = z.infer<typeof ConversionParitySchema>;
export type EncodedValue = z.infer<typeof EncodedValueSchema>;
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
        message: isNumericType(f.type)
          ? 'numeric features need bin_edges/bin_frequencies'
          : 'category and boolean features need category_frequencies',
      });
    }
    if ('bin_edges' in f.training) checkBins(f.training, ['features', i, 'training'], ctx);
  });
  checkBins(m.output.training, ['output', 'training'], ctx);

  const inputs = modelInputs(m.encoding);
  const inputPath = (k: number): (string | number)[] => ('inputs' in m.encoding ? ['encoding', 'inputs', k] : ['encoding']);
  const inputNames = new Set<string>();
  inputs.forEach((input, k) => {
    const path = inputPath(k);
    if (inputNames.has(input.name)) ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate input "${input.name}"` });
    inputNames.add(input.name);
    if (input.rank === 1 && columnsWidth(input.columns) !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'columns'],
        message: `input "${input.name}" has rank 1 (shape [N]), so it takes exactly one column`,
      });
    }
    input.columns.forEach((col, i) => checkColumn(col, input.dtype, byName, [...path, 'columns', i], ctx));
  });

  m.golden.forEach((g, i) => {
    const path = ['golden', i, 'encoded'];
    if (Array.isArray(g.encoded)) {
      if ('inputs' in m.encoding) ctx.addIssue({ code: 'custom', path, message: "must hold each input tensor's row by input name" });
      else if (g.encoded.length !== columnsWidth(m.encoding.columns)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `has ${g.encoded.length} values, the encoding has ${columnsWidth(m.encoding.columns)} columns`,
        });
      }
    } else {
      for (const input of inputs) {
        const row = g.encoded[input.name];
        const width = columnsWidth(input.columns);
        if (!row) ctx.addIssue({ code: 'custom', path, message: `has no row for input "${input.name}"` });
        else if (row.length !== width)
          ctx.addIssue({
            code: 'custom',
            path: [...path, input.name],
            message: `has ${row.length} values, input "${input.name}" has ${width} columns`,
          });
      }
      for (const name of Object.keys(g.encoded)) {
        if (!inputNames.has(name))
          ctx.addIssue({ code: 'custom', path: [...path, name], message: `"${name}" is not an input of the encoding` });
      }
    }
    const isRegressionExpectation = 'value' in g.expected;
    if (isRegressionExpectation !== (m.task === 'regression')) {
      ctx.addIssue({ code: 'custom', path: ['golden', i, 'expected'], message: `does not match task ${m.task}` });
    }
  });

  if (m.task === 'regression') {
    if (m.output.labels) ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'regression models have no labels' });
    if (m.output.label_tensor)
      ctx.addIssue({ code: 'custom', path: ['output', 'label_tensor'], message: 'regression models have no label output' });
  } else {
    const labels = m.output.labels;
    if (!labels) {
      ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'classification models need output.labels' });
    } else {
      if (new Set(labels).size !== labels.length)
        ctx.addIssue({ code: 'custom', path: ['output', 'labels'], message: 'labels must be unique' });
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
    if (!byName.has(name))
      ctx.addIssue({ code: 'custom', path: ['monitoring'], message: `slice or protected attribute "${name}" is not a feature` });
  }
  if (m.training.feature_assessment) checkFeatureAssessment(m.training.feature_assessment, m, ctx);
  if (m.training.tuning) checkTuning(m.training.tuning, m.training, ctx);
}

/** Encode shares are rounded, so their sum may miss 1 by a little. */
const SHARE_SUM_TOLERANCE = 0.01;

function checkFeatureAssessment(
  a: z.infer<typeof FeatureAssessmentSchema>,
  m: z.infer<typeof ManifestObjectSchema>,
  ctx: z.RefinementCtx,
): void {
  const path = ['training', 'feature_assessment'];
  const issue = (at: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: [...path, ...at], message });
  const features = new Set(m.features.map((f) => f.name));
  const seen = new Set<string>();
  a.features.forEach((f, i) => {
    if (!features.has(f.name)) issue(['features', i, 'name'], `"${f.name}" is not a feature of the manifest`);
    else if (seen.has(f.name)) issue(['features', i, 'name'], `"${f.name}" is assessed twice`);
    seen.add(f.name);
    const beneficial = f.importance > 0 && f.importance > 2 * f.std_error;
    if (f.beneficial !== beneficial)
      issue(['features', i, 'beneficial'], `must be ${beneficial}: beneficial means importance > 0 and importance > 2 · std_error`);
  });
  const unassessed = m.features.filter((f) => !seen.has(f.name)).map((f) => `"${f.name}"`);
  if (unassessed.length > 0) issue(['features'], `has no entry for feature ${unassessed.join(', ')}`);
  const shares = a.features.reduce((sum, f) => sum + f.cost.encode_share, 0);
  if (Math.abs(shares - 1) > SHARE_SUM_TOLERANCE) issue(['features'], `encode shares sum to ${shares}, not 1`);
  if (a.metric !== m.training.metrics.primary) issue(['metric'], `must be the primary metric "${m.training.metrics.primary}"`);
  if (a.higher_is_better !== m.training.metrics.higher_is_better)
    issue(['higher_is_better'], 'must match training.metrics.higher_is_better');
  if (a.rows > m.training.dataset.rows) issue(['rows'], `${a.rows} rows assessed, but the dataset has ${m.training.dataset.rows}`);
}

function checkTuning(t: z.infer<typeof TuningSchema>, training: z.infer<typeof TrainingInfoSchema>, ctx: z.RefinementCtx): void {
  const path = ['training', 'tuning'];
  const issue = (at: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: [...path, ...at], message });
  if (t.metric !== training.metrics.primary) issue(['metric'], `must be the primary metric "${training.metrics.primary}"`);
  if (t.higher_is_better !== training.metrics.higher_is_better) issue(['higher_is_better'], 'must match training.metrics.higher_is_better');
  const names = Object.keys(t.candidates[0]?.hyperparameters ?? {})
    .sort()
    .join(',');
  t.candidates.forEach((c, i) => {
    if (Object.keys(c.hyperparameters).sort().join(',') !== names)
      issue(['candidates', i, 'hyperparameters'], 'every candidate must set the same hyperparameters');
  });
  const winner = t.candidates[t.selected];
  if (!winner) return issue(['selected'], `must index one of the ${t.candidates.length} candidates`);
  for (const [name, value] of Object.entries(winner.hyperparameters)) {
    if (training.hyperparameters[name] !== value)
      issue(
        ['selected'],
        `the selected candidate has ${name} ${String(value)}, but the model was trained with ${String(training.hyperparameters[name])}`,
      );
  }
  const better = t.candidates.findIndex((c) => (t.higher_is_better ? c.mean > winner.mean : c.mean < winner.mean));
  if (better >= 0) issue(['selected'], `candidate ${better} has a better mean ${t.metric} than the selected one`);
}

function checkColumn(
  col: EncodingColumn,
  dtype: TensorDtype,
  byName: ReadonlyMap<string, Feature>,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const issue = (message: string, at = path) => ctx.addIssue({ code: 'custom', path: at, message });
  const f = byName.get(col.feature);
  if (!f) return issue(`unknown feature "${col.feature}"`, [...path, 'feature']);
  if (col.transform !== 'value' && !isFloatDtype(dtype))
    return issue(`the ${col.transform} transform makes numbers for a float tensor; this input is ${dtype} (use the value transform)`);
  switch (col.transform) {
    case 'numeric':
      if (!isNumericType(f.type)) issue(`numeric transform needs a number or integer feature, "${f.name}" is ${f.type}`);
      return;
    case 'boolean':
      if (f.type !== 'boolean') issue(`boolean transform needs a boolean feature, "${f.name}" is ${f.type}`);
      return;
    case 'one_hot': {
      if (f.type !== 'category') issue(`one_hot needs a category feature, "${f.name}" is ${f.type}`);
      const known = new Set(f.categories ?? []);
      for (const c of col.categories) if (!known.has(c)) issue(`"${c}" is not a category of "${f.name}"`, [...path, 'categories']);
      return;
    }
    case 'is_null':
      return;
    case 'value':
      return checkValueColumn(f, dtype, col.impute, issue);
  }
}

/** What a feature must be to be fed as itself into a tensor of `dtype`. */
function checkValueColumn(
  f: Feature,
  dtype: TensorDtype,
  impute: string | number | boolean | undefined,
  issue: (message: string) => void,
): void {
  const imputeType = dtype === 'string' ? 'string' : dtype === 'bool' ? 'boolean' : 'number';
  if (impute !== undefined && typeof impute !== imputeType) issue(`impute of "${f.name}" must be a ${imputeType} for a ${dtype} tensor`);
  if (impute !== undefined && (dtype === 'int32' || dtype === 'int64') && !Number.isInteger(impute))
    issue(`impute of "${f.name}" must be an integer for a ${dtype} tensor`);
  if (isFloatDtype(dtype)) {
    if (f.type === 'category') issue(`"${f.name}" is a category; a ${dtype} tensor takes number, integer or boolean features`);
    return;
  }
  // Only float tensors can carry a missing value (NaN); other tensors need a value to impute.
  if ((f.nullable || !f.required) && impute === undefined) {
    issue(
      `"${f.name}" feeds a ${dtype} tensor, which has no missing value: it ` +
        `must be required and not nullable, or give the column an impute value`,
    );
  }
  const expected = dtype === 'string' ? 'category' : dtype === 'bool' ? 'boolean' : 'integer';
  if (f.type !== expected) return issue(`"${f.name}" is ${f.type}; a ${dtype} tensor takes ${expected} features`);
  if (dtype === 'int32' || dtype === 'int64') {
    const range = INTEGER_DTYPE_RANGE[dtype];
    if (f.min === undefined || f.max === undefined || f.min < range.min || f.max > range.max) {
      issue(`"${f.name}" feeds an ${dtype} tensor: its min and max must be set within ${range.min}..${range.max}`);
    }
  }
}

/**
 * The model's input tensors, whichever form the encoding takes: a Vigil-trained model's single float32
 * matrix is one rank-2 input.
 */
export function modelInputs(encoding: Encoding): ModelInput[] {
  if ('inputs' in encoding) return encoding.inputs;
  return [{ name: encoding.input_name, dtype: 'float32', rank: 2, columns: encoding.columns }];
}

/** Tensor columns the encoding columns produce (a one-hot column makes one per category). */
export function columnsWidth(columns: readonly EncodingColumn[]): number {
  let width = 0;
  for (const col of columns) width += col.transform === 'one_hot' ? col.categories.length : 1;
  return width;
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

/** Tensor columns the encoding produces per instance, over all inputs. */
export function encodedWidth(encoding: Encoding): number {
  return modelInputs(encoding).reduce((sum, input) => sum + columnsWidth(input.columns), 0);
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

/** What positiveLabel and scoreMeasure read of a manifest (the CLI's API records and package specs have it too). */
export interface ScoredOutput {
  task: string;
  output?: { labels?: readonly string[] | undefined; positive_label?: string | undefined } | undefined;
}

/** The label whose probability is a binary classifier's score: `positive_label`, else the second label; none otherwise. */
export function positiveLabel(m: ScoredOutput): string | undefined {
  if (m.task !== 'binary_classification') return undefined;
  return m.output?.positive_label ?? m.output?.labels?.[1];
}

/**
 * What the score of a prediction (samples, shadow differences, drift of predictions) measures: the value of a
 * regression, the positive label's probability of a binary classifier, the predicted label's probability of a
 * multiclass one.
 */
export function scoreMeasure(m: ScoredOutput): string {
  if (m.task === 'regression') return 'prediction value';
  const positive = positiveLabel(m);
  return positive === undefined ? 'probability of the predicted label' : `probability of ${JSON.stringify(positive)}`;
}
