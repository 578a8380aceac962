import { describe, expect, it } from 'vitest';
import { parseManifest, type TrainedManifestInput } from '../../src/model/manifest.ts';

const numericStats = { count: 4, null_rate: 0, mean: 2, std: 1, min: 1, max: 3, bin_edges: [1.5, 2.5], bin_frequencies: [0.25, 0.5, 0.25] };

function validManifest(): TrainedManifestInput {
  return {
    schema_version: 1,
    name: 'house-prices',
    version: '1',
    task: 'regression',
    stage: 'research',
    artifact: { file: 'model.onnx', format: 'onnx', sha256: 'a'.repeat(64), bytes: 100 },
    features: [
      { name: 'rooms', type: 'integer', min: 0, training: numericStats },
      {
        name: 'color',
        type: 'category',
        categories: ['red', 'blue'],
        nullable: true,
        training: { count: 4, null_rate: 0.25, category_frequencies: { red: 0.5, blue: 0.5 } },
      },
    ],
    encoding: {
      input_name: 'input',
      columns: [
        { transform: 'numeric', feature: 'rooms', impute: 2 },
        { transform: 'one_hot', feature: 'color', categories: ['red', 'blue'] },
      ],
    },
    output: { tensor: 'variable', training: numericStats },
    training: {
      trained_at: '2026-11-27T00:00:00Z',
      dataset: { file: 'houses.csv', sha256: 'b'.repeat(64), rows: 10, target: 'price' },
      split: { method: 'seeded shuffle', holdout_fraction: 0.2, train_rows: 8, holdout_rows: 2 },
      seed: 42,
      algorithm: 'linear',
      hyperparameters: { l2: 0.0001 },
      code_version: 'vigil-train 0.1.0',
      metrics: { primary: 'mae', higher_is_better: false, overall: { mae: 1 }, slices: [] },
    },
    golden: [{ instance: { rooms: 2, color: 'red' }, encoded: [2, 1, 0], expected: { value: 3 } }],
  };
}

function classificationManifest(): TrainedManifestInput {
  const m = validManifest();
  return {
    ...m,
    task: 'binary_classification',
    output: { tensor: 'probabilities', labels: ['no', 'yes'], positive_label: 'yes', training: numericStats },
    golden: [
      { instance: { rooms: 2, color: 'red' }, encoded: [2, 1, 0], expected: { label: 'yes', probabilities: { no: 0.25, yes: 0.75 } } },
    ],
  };
}

/** The issue paths parseManifest reports for a manifest. */
function issuePaths(input: unknown): string[] {
  const result = parseManifest(input);
  return result.ok ? [] : result.issues.map((i) => i.path);
}

describe('ManifestSchema', () => {
  it('accepts a well-formed manifest and fills in defaults', () => {
    const result = parseManifest(validManifest());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.manifest.golden_tolerance).toEqual({ abs: 1e-6, rel: 1e-5 });
      expect(result.manifest.monitoring.max_age_days).toBe(180);
    }
    expect(parseManifest(classificationManifest()).ok).toBe(true);
  });

  it('rejects a manifest missing required fields, naming each', () => {
    const { artifact: _artifact, golden: _golden, ...rest } = validManifest();
    expect(issuePaths(rest)).toEqual(expect.arrayContaining(['artifact', 'golden']));
    const m = validManifest();
    delete (m.training.dataset as Partial<typeof m.training.dataset>).sha256;
    expect(issuePaths(m)).toEqual(['training.dataset.sha256']);
  });

  it('rejects duplicate features', () => {
    const m = validManifest();
    m.features.push({ ...m.features[0]! });
    expect(issuePaths(m)).toContain('features.2.name');
  });

  it('rejects encoding columns that refer to unknown features', () => {
    const m = validManifest();
    m.encoding.columns.push({ transform: 'is_null', feature: 'garden' });
    expect(issuePaths(m)).toContain('encoding.columns.2.feature');
  });

  it('rejects one-hot categories the feature does not have', () => {
    const m = validManifest();
    m.encoding.columns[1] = { transform: 'one_hot', feature: 'color', categories: ['red', 'green'] };
    const result = parseManifest(m);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContainEqual({ path: 'encoding.columns.1.categories', message: '"green" is not a category of "color"' });
  });

  it('rejects a golden example whose encoded row does not match the encoding width', () => {
    const m = validManifest();
    m.golden[0]!.encoded = [2, 1];
    expect(issuePaths(m)).toEqual(['golden.0.encoded']);
  });

  it('rejects golden expectations of the wrong shape for the task', () => {
    const m = validManifest();
    m.golden[0]!.expected = { label: 'yes', probabilities: { no: 0.5, yes: 0.5 } };
    expect(issuePaths(m)).toContain('golden.0.expected');
    const c = classificationManifest();
    c.golden[0]!.expected = { value: 1 };
    expect(issuePaths(c)).toContain('golden.0.expected');
  });

  it('rejects a task the schema does not know', () => {
    expect(issuePaths({ ...validManifest(), task: 'ranking' })).toEqual(['task']);
  });

  it('rejects bin edges that do not increase', () => {
    const m = validManifest();
    m.features[0]!.training = { ...numericStats, bin_edges: [2.5, 1.5] };
    expect(issuePaths(m)).toEqual(['features.0.training.bin_edges']);
    const o = validManifest();
    o.output.training = { ...numericStats, bin_edges: [1.5, 1.5] };
    expect(issuePaths(o)).toEqual(['output.training.bin_edges']);
  });

  it('rejects a binary task with three labels', () => {
    const c = classificationManifest();
    c.output.labels = ['no', 'yes', 'maybe'];
    expect(issuePaths(c)).toEqual(['output.labels']);
  });

  it('rejects labels on a regression and a positive label that is not a label', () => {
    const m = validManifest();
    m.output.labels = ['a', 'b'];
    expect(issuePaths(m)).toEqual(['output.labels']);
    const c = classificationManifest();
    c.output.positive_label = 'maybe';
    expect(issuePaths(c)).toEqual(['output.positive_label']);
  });

  it('rejects numeric statistics on a category feature', () => {
    const m = validManifest();
    m.features[1]!.training = numericStats;
    expect(issuePaths(m)).toEqual(['features.1.training']);
  });

  describe('feature assessment', () => {
    function assessed(): TrainedManifestInput {
      const m = validManifest();
      const cost = (encode_share: number, columns: number) => ({ encode_share, columns, null_rate: 0, pii: 'none' as const });
      m.training.feature_assessment = {
        method: 'permutation',
        rows: 2,
        repeats: 5,
        seed: 42,
        metric: 'mae',
        higher_is_better: false,
        baseline: 1,
        features: [
          { name: 'rooms', importance: 0.5, std_error: 0.1, beneficial: true, cost: cost(0.4, 1) },
          { name: 'color', importance: 0.01, std_error: 0.02, beneficial: false, cost: cost(0.6, 2) },
        ],
      };
      return m;
    }
    const assessment = (m: TrainedManifestInput) => m.training.feature_assessment!;

    it('accepts one entry per feature whose verdicts follow from importance and standard error', () => {
      expect(parseManifest(assessed()).ok).toBe(true);
    });

    it('rejects entries for unknown features, features assessed twice and features left out', () => {
      const unknown = assessed();
      assessment(unknown).features[1]!.name = 'garden';
      expect(issuePaths(unknown)).toEqual(['training.feature_assessment.features.1.name', 'training.feature_assessment.features']);
      const twice = assessed();
      assessment(twice).features[1]!.name = 'rooms';
      expect(issuePaths(twice)).toEqual(['training.feature_assessment.features.1.name', 'training.feature_assessment.features']);
    });

    it('rejects a beneficial verdict that does not follow from the numbers', () => {
      const m = assessed();
      assessment(m).features[1]!.beneficial = true;
      expect(issuePaths(m)).toEqual(['training.feature_assessment.features.1.beneficial']);
      const negative = assessed();
      Object.assign(assessment(negative).features[0]!, { importance: -0.5, std_error: 0 });
      expect(issuePaths(negative)).toEqual(['training.feature_assessment.features.0.beneficial']);
    });

    it('rejects encode shares that do not sum to 1, a metric that is not the primary one and more rows than the dataset', () => {
      const shares = assessed();
      assessment(shares).features[1]!.cost.encode_share = 0.5;
      expect(issuePaths(shares)).toEqual(['training.feature_assessment.features']);
      const metric = assessed();
      Object.assign(assessment(metric), { metric: 'rmse', higher_is_better: true });
      expect(issuePaths(metric)).toEqual(['training.feature_assessment.metric', 'training.feature_assessment.higher_is_better']);
      const rows = assessed();
      assessment(rows).rows = 11;
      expect(issuePaths(rows)).toEqual(['training.feature_assessment.rows']);
    });
  });

  describe('tuning', () => {
    function tuned(): TrainedManifestInput {
      const m = validManifest();
      m.training.hyperparameters = { l2: 0.01, solver: 'cholesky' };
      m.training.tuning = {
        method: 'grid',
        folds: 3,
        seed: 42,
        metric: 'mae',
        higher_is_better: false,
        candidates: [
          { hyperparameters: { l2: 0.0001 }, mean: 1.2, std: 0.1 },
          { hyperparameters: { l2: 0.01 }, mean: 1.1, std: 0.1 },
          { hyperparameters: { l2: 1 }, mean: 1.5, std: 0.2 },
        ],
        selected: 1,
      };
      return m;
    }
    const tuning = (m: TrainedManifestInput) => m.training.tuning!;

    it('accepts a search whose selected candidate is the best and the one the model was trained with', () => {
      expect(parseManifest(tuned()).ok).toBe(true);
    });

    it('rejects a selected index past the candidates', () => {
      const m = tuned();
      tuning(m).selected = 3;
      expect(issuePaths(m)).toEqual(['training.tuning.selected']);
    });

    it('rejects a selected candidate that is not the best or not what the model was trained with', () => {
      const worse = tuned();
      tuning(worse).selected = 2;
      expect(issuePaths(worse)).toEqual(['training.tuning.selected', 'training.tuning.selected']);
      const other = tuned();
      other.training.hyperparameters = { l2: 1, solver: 'cholesky' };
      expect(issuePaths(other)).toEqual(['training.tuning.selected']);
    });

    it('rejects candidates that set different hyperparameters and a metric that is not the primary one', () => {
      const m = tuned();
      tuning(m).candidates[2]!.hyperparameters = { l2: 1, max_iterations: 10 };
      expect(issuePaths(m)).toEqual(['training.tuning.candidates.2.hyperparameters']);
      const metric = tuned();
      tuning(metric).metric = 'rmse';
      expect(issuePaths(metric)).toEqual(['training.tuning.metric']);
    });
  });
});
