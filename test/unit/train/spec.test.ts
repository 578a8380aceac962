import { describe, expect, it } from 'vitest';
import { parseTrainingSpec } from '../../../cli/train/spec.ts';

const base = {
  task: 'binary_classification',
  stage: 'research',
  target: 'label',
  labels: ['no', 'yes'],
  positive_label: 'yes',
  features: [
    { name: 'age', type: 'integer', min: 0, max: 120 },
    { name: 'sex', type: 'category' },
  ],
};

function issues(spec: unknown): string[] {
  const result = parseTrainingSpec(spec);
  return result.ok ? [] : result.issues;
}

describe('parseTrainingSpec', () => {
  it('fills in defaults for the split, monitoring and hyperparameters', () => {
    const result = parseTrainingSpec(base);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.holdout_fraction).toBe(0.2);
    expect(result.spec.exclude).toEqual([]);
    expect(result.spec.monitoring.max_age_days).toBe(180);
    expect(result.spec.hyperparameters.gbdt).toMatchObject({ n_trees: 200, max_depth: 6, subsample: 1 });
    expect(result.spec.hyperparameters.linear.l2).toBe(1e-4);
    expect(result.spec.features[0]).toMatchObject({ required: true, nullable: false, missing_values: [] });
  });

  it('names the path of a misspelled or invalid field', () => {
    expect(issues({ ...base, features: [{ name: 'age', type: 'integer', nullabel: true }] })).toEqual([
      expect.stringMatching(/^features\.0: .*nullabel/),
    ]);
    expect(issues({ ...base, holdout_fraction: 1 })).toEqual([expect.stringMatching(/^holdout_fraction: /)]);
    expect(issues({ ...base, hyperparameters: { gbdt: { n_trees: 0 } } })).toEqual([
      expect.stringMatching(/^hyperparameters\.gbdt\.n_trees: /),
    ]);
  });

  it('rejects a classification spec without labels or with a positive label that is not one', () => {
    const { labels: _labels, ...noLabels } = base;
    expect(issues(noLabels)).toEqual(['labels: binary_classification needs the two target labels']);
    expect(issues({ ...base, positive_label: 'maybe' })).toEqual(['positive_label: must be one of "no", "yes"']);
    expect(issues({ ...base, labels: ['a', 'b', 'c'] })).toEqual([expect.stringMatching(/^labels: /)]);
  });

  it('rejects labels on a regression', () => {
    expect(issues({ ...base, task: 'regression', positive_label: undefined })).toEqual(['labels: a regression task has no labels']);
  });

  it('rejects the target as a feature, duplicate features and excluded features', () => {
    expect(issues({ ...base, target: 'age' })).toEqual(['target: "age" is the target; it cannot also be a feature']);
    expect(issues({ ...base, features: [...base.features, { name: 'age', type: 'number' }] })).toEqual([
      'features.2.name: duplicate feature "age"',
    ]);
    expect(issues({ ...base, exclude: ['sex'] })).toEqual(['exclude.0: "sex" is a feature; remove it from exclude or from features']);
  });

  it('rejects bounds on categories and categories on numbers', () => {
    expect(issues({ ...base, features: [{ name: 'sex', type: 'category', min: 0 }] })).toEqual([
      'features.0.min: only number and integer features have min/max',
    ]);
    expect(issues({ ...base, features: [{ name: 'age', type: 'integer', categories: ['1'] }] })).toEqual([
      'features.0.categories: only category features have categories',
    ]);
    expect(issues({ ...base, features: [{ name: 'age', type: 'integer', min: 5, max: 1 }] })).toEqual([
      'features.0.max: max must be >= min',
    ]);
  });

  it('rejects slices of unknown features, numeric slices without bands and bands that do not increase', () => {
    expect(issues({ ...base, monitoring: { slices: [{ feature: 'height' }] } })).toEqual([
      'monitoring.slices.0.feature: "height" is not a feature',
    ]);
    expect(issues({ ...base, monitoring: { slices: [{ feature: 'age' }] } })).toEqual([
      'monitoring.slices.0.bands: numeric feature "age" needs bands to slice by',
    ]);
    expect(issues({ ...base, monitoring: { slices: [{ feature: 'age', bands: [30, 20] }] } })).toEqual([
      'monitoring.slices.0.bands: must be strictly increasing',
    ]);
    expect(issues({ ...base, monitoring: { protected_attributes: ['race'] } })).toEqual([
      'monitoring.protected_attributes.0: "race" is not a feature',
    ]);
  });

  it('accepts a tuning grid per algorithm, with 3 folds by default', () => {
    const result = parseTrainingSpec({
      ...base,
      tuning: { gbdt: { grid: { max_depth: [4, 6], learning_rate: [0.05, 0.1] } }, linear: { folds: 5, grid: { l2: [0.01, 1] } } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.tuning?.gbdt).toEqual({ folds: 3, grid: { max_depth: [4, 6], learning_rate: [0.05, 0.1] } });
    expect(result.spec.tuning?.linear?.folds).toBe(5);
  });

  it('rejects grids over unknown hyperparameters, invalid or repeated values, and grids of one or too many candidates', () => {
    expect(issues({ ...base, tuning: { gbdt: { grid: { depth: [4, 6] } } } })).toEqual([
      expect.stringMatching(/^tuning\.gbdt\.grid\.depth: "depth" is not a hyperparameter of gbdt/),
      'tuning.gbdt.grid: a search needs at least two candidates (give some hyperparameter two or more values)',
    ]);
    expect(issues({ ...base, tuning: { gbdt: { grid: { max_depth: [4, 40] } } } })).toEqual([
      expect.stringMatching(/^tuning\.gbdt\.grid\.max_depth\.1: /),
    ]);
    expect(issues({ ...base, tuning: { gbdt: { grid: { max_depth: [4, 4] } } } })).toEqual([
      'tuning.gbdt.grid.max_depth.1: 4 is listed twice',
    ]);
    expect(issues({ ...base, tuning: { linear: { grid: { l2: [1] } } } })).toEqual([
      'tuning.linear.grid: a search needs at least two candidates (give some hyperparameter two or more values)',
    ]);
    const big = { n_trees: [1, 2, 3, 4], max_depth: [1, 2, 3], learning_rate: [0.1, 0.2, 0.3] };
    expect(issues({ ...base, tuning: { gbdt: { grid: big } } })).toEqual([
      'tuning.gbdt.grid: 36 candidates; keep the grid to 32 at most (each is trained once per fold)',
    ]);
    expect(issues({ ...base, tuning: { gbdt: { folds: 1, grid: { max_depth: [4, 6] } } } })).toEqual([
      expect.stringMatching(/^tuning\.gbdt\.folds: /),
    ]);
  });

  it("lets a ridge regression search l2 only (the Newton settings are logistic regression's)", () => {
    const regression = { ...base, task: 'regression', labels: undefined, positive_label: undefined };
    expect(issues({ ...regression, tuning: { linear: { grid: { l2: [0.1, 1], max_iterations: [10, 20] } } } })).toEqual([
      'tuning.linear.grid.max_iterations: "max_iterations" is not a hyperparameter of ridge regression (only l2 is)',
    ]);
    expect(issues({ ...base, tuning: { linear: { grid: { l2: [0.1, 1], max_iterations: [10, 20] } } } })).toEqual([]);
  });
});
