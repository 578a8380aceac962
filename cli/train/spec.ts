/**
 * The training spec (`models/<name>/spec.json`): what a model learns from a CSV file — task, target,
 * features with their domain (not training) bounds, the holdout split, monitoring and hyperparameters.
 * Feature declarations use the manifest's own feature schema, so a spec cannot declare what a manifest
 * would reject.
 *
 * @example
 * const result = parseTrainingSpec(JSON.parse(await readFile('models/adult-income/spec.json', 'utf8')));
 * if (!result.ok) for (const issue of result.issues) console.error(issue);
 */
import { z } from 'zod';
import { DeclarationSchema, FeatureSchema, MonitoringSchema, SCORE_TEST_IDS, StageSchema } from '../../src/model/manifest.ts';

export const SpecFeatureSchema = FeatureSchema.omit({ training: true }).strict();

export const LinearHyperparametersSchema = z
  .object({
    /** Ridge penalty per training row on standardized columns (the intercept is not penalized). */
    l2: z.number().min(0).default(1e-4),
    /** Newton steps at most (logistic regression only). */
    max_iterations: z.number().int().min(1).max(1000).default(100),
    /** Newton stops when no standardized coefficient moves more than this. */
    tolerance: z.number().positive().default(1e-10),
  })
  .strict();

export const GbdtHyperparametersSchema = z
  .object({
    n_trees: z.number().int().min(1).max(5000).default(200),
    learning_rate: z.number().positive().max(1).default(0.1),
    max_depth: z.number().int().min(1).max(12).default(6),
    min_samples_leaf: z.number().int().min(1).default(20),
    /** L2 penalty on leaf weights (added to the hessian sum). */
    l2: z.number().min(0).default(1),
    /** Histogram bins per column, at most; thresholds are values that occur in the data. */
    max_bins: z.number().int().min(2).max(65535).default(255),
    /** Share of training rows drawn (seeded, without replacement) for each tree; 1 uses all rows. */
    subsample: z.number().gt(0).max(1).default(1),
  })
  .strict();

export const GridValueSchema = z.union([z.number(), z.string(), z.boolean()]);

/**
 * A hyperparameter search for one algorithm: every combination of the grid's values is cross-validated on the
 * training split (`folds` seeded folds) and the best by mean primary metric trains the model; hyperparameters
 * not in the grid keep the spec's value.
 */
export const TuningGridSchema = z
  .object({
    folds: z.number().int().min(2).max(10).default(3),
    /** Values to try per hyperparameter, in the order written; candidates vary the first name slowest. */
    grid: z.record(z.string(), z.array(GridValueSchema).min(1)),
  })
  .strict();

/** Candidates a grid may have at most: each is trained `folds` times, so grids stay small. */
export const MAX_GRID_CANDIDATES = 32;

const TrainingSpecObjectSchema = z
  .object({
    task: z.enum(['regression', 'binary_classification']),
    stage: StageSchema,
    description: z.string().max(2000).optional(),
    target: z.string().min(1),
    /** Target values of a binary task; the manifest lists the positive label second. */
    labels: z.array(z.string().min(1)).length(2).optional(),
    positive_label: z.string().optional(),
    /** CSV columns that are neither features nor the target (ids, sampling weights). */
    exclude: z.array(z.string()).default([]),
    features: z.array(SpecFeatureSchema).min(1),
    holdout_fraction: z.number().gt(0).lt(1).default(0.2),
    /** Golden examples at least (more when needed to cover every category). */
    golden_count: z.number().int().min(1).max(1000).default(24),
    monitoring: MonitoringSchema.prefault({}),
    hyperparameters: z
      .object({ linear: LinearHyperparametersSchema.prefault({}), gbdt: GbdtHyperparametersSchema.prefault({}) })
      .strict()
      .prefault({}),
    /** Hyperparameter searches by algorithm; an algorithm without one trains with `hyperparameters` as written. */
    tuning: z.object({ linear: TuningGridSchema.optional(), gbdt: TuningGridSchema.optional() }).strict().optional(),
    /** Rubric tests the team does by hand (spec review, adding features), with their evidence: copied into the manifest. */
    declarations: z.partialRecord(z.enum(SCORE_TEST_IDS), DeclarationSchema).default({}),
  })
  .strict();

export const TrainingSpecSchema = TrainingSpecObjectSchema.superRefine(checkSpecConsistency);

export type TrainingSpec = z.infer<typeof TrainingSpecSchema>;
export type SpecFeature = z.infer<typeof SpecFeatureSchema>;
export type LinearHyperparameters = z.infer<typeof LinearHyperparametersSchema>;
export type GbdtHyperparameters = z.infer<typeof GbdtHyperparametersSchema>;
export type GridValue = z.infer<typeof GridValueSchema>;
export type TuningGrid = z.infer<typeof TuningGridSchema>;

export type SpecResult = { ok: true; spec: TrainingSpec } | { ok: false; issues: string[] };

export function parseTrainingSpec(input: unknown): SpecResult {
  const result = TrainingSpecSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, issues: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) };
}

/** The label whose probability is the score: positive_label, else the second label. */
export function specPositiveLabel(spec: TrainingSpec): string | undefined {
  return spec.positive_label ?? spec.labels?.[1];
}

function checkSpecConsistency(spec: z.infer<typeof TrainingSpecObjectSchema>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const byName = new Map<string, SpecFeature>();
  spec.features.forEach((f, i) => {
    if (byName.has(f.name)) issue(['features', i, 'name'], `duplicate feature "${f.name}"`);
    byName.set(f.name, f);
    const numeric = f.type === 'number' || f.type === 'integer';
    if (f.categories && f.type !== 'category') issue(['features', i, 'categories'], 'only category features have categories');
    if (!numeric && (f.min !== undefined || f.max !== undefined))
      issue(['features', i, 'min'], 'only number and integer features have min/max');
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) issue(['features', i, 'max'], 'max must be >= min');
  });
  if (byName.has(spec.target)) issue(['target'], `"${spec.target}" is the target; it cannot also be a feature`);
  spec.exclude.forEach((name, i) => {
    if (byName.has(name)) issue(['exclude', i], `"${name}" is a feature; remove it from exclude or from features`);
    if (name === spec.target) issue(['exclude', i], `"${name}" is the target`);
  });

  if (spec.task === 'regression') {
    if (spec.labels) issue(['labels'], 'a regression task has no labels');
    if (spec.positive_label !== undefined) issue(['positive_label'], 'a regression task has no positive label');
  } else if (!spec.labels) {
    issue(['labels'], 'binary_classification needs the two target labels');
  } else {
    if (spec.labels[0] === spec.labels[1]) issue(['labels'], 'the two labels must differ');
    if (spec.positive_label !== undefined && !spec.labels.includes(spec.positive_label)) {
      issue(['positive_label'], `must be one of ${spec.labels.map((l) => JSON.stringify(l)).join(', ')}`);
    }
  }

  spec.monitoring.slices.forEach((s, i) => {
    const f = byName.get(s.feature);
    if (!f) return issue(['monitoring', 'slices', i, 'feature'], `"${s.feature}" is not a feature`);
    const numeric = f.type === 'number' || f.type === 'integer';
    if (numeric && !s.bands) issue(['monitoring', 'slices', i, 'bands'], `numeric feature "${s.feature}" needs bands to slice by`);
    if (!numeric && s.bands) issue(['monitoring', 'slices', i, 'bands'], `only numeric features have bands ("${s.feature}" is ${f.type})`);
    if (s.bands?.some((b, k) => k > 0 && !(b > s.bands![k - 1]!)))
      issue(['monitoring', 'slices', i, 'bands'], 'must be strictly increasing');
  });
  spec.monitoring.protected_attributes.forEach((name, i) => {
    if (!byName.has(name)) issue(['monitoring', 'protected_attributes', i], `"${name}" is not a feature`);
  });

  for (const algorithm of ['linear', 'gbdt'] as const) {
    const tuning = spec.tuning?.[algorithm];
    if (tuning) checkGrid(algorithm, tuning, spec, (path, message) => issue(['tuning', algorithm, ...path], message));
  }
}

const HYPERPARAMETER_SCHEMAS = { linear: LinearHyperparametersSchema, gbdt: GbdtHyperparametersSchema };

function checkGrid(
  algorithm: 'linear' | 'gbdt',
  tuning: TuningGrid,
  spec: z.infer<typeof TrainingSpecObjectSchema>,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const schema = HYPERPARAMETER_SCHEMAS[algorithm];
  const names = Object.keys(schema.shape);
  const fixed = spec.hyperparameters[algorithm];
  // Ridge regression has one hyperparameter; the Newton settings apply to logistic regression only.
  const searchable = algorithm === 'linear' && spec.task === 'regression' ? ['l2'] : names;
  let candidates = 1;
  for (const [name, values] of Object.entries(tuning.grid)) {
    if (!searchable.includes(name)) {
      issue(
        ['grid', name],
        `"${name}" is not a hyperparameter ` +
          (algorithm === 'linear' && spec.task === 'regression'
            ? 'of ridge regression (only l2 is)'
            : `of ${algorithm} (${names.join(', ')})`),
      );
      continue;
    }
    values.forEach((value, k) => {
      if (values.indexOf(value) !== k) return issue(['grid', name, k], `${JSON.stringify(value)} is listed twice`);
      const parsed = schema.safeParse({ ...fixed, [name]: value });
      if (!parsed.success) issue(['grid', name, k], parsed.error.issues.map((i) => i.message).join('; '));
    });
    candidates *= values.length;
  }
  if (candidates < 2) issue(['grid'], 'a search needs at least two candidates (give some hyperparameter two or more values)');
  if (candidates > MAX_GRID_CANDIDATES)
    issue(['grid'], `${candidates} candidates; keep the grid to ${MAX_GRID_CANDIDATES} at most (each is trained once per fold)`);
}
