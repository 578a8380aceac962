/**
 * Builds small valid manifests for tests, so each test states only what it cares about.
 */
import type { Feature, ManifestInput, MatrixEncoding, TrainedManifestInput } from '../../src/model/manifest.ts';

type FeatureInput = Partial<Omit<Feature, 'training'>> & Pick<Feature, 'name' | 'type'>;

const numericStats = { count: 100, null_rate: 0, mean: 0, std: 1, min: -3, max: 3, bin_edges: [0], bin_frequencies: [0.5, 0.5] };

export function feature(spec: FeatureInput): ManifestInput['features'][number] {
  const categorical = spec.type === 'category' || spec.type === 'boolean';
  const categories = spec.type === 'boolean' ? ['true', 'false'] : (spec.categories ?? []);
  return {
    required: true,
    nullable: false,
    missing_values: [],
    deprecated: false,
    ...spec,
    training: categorical
      ? { count: 100, null_rate: 0, category_frequencies: Object.fromEntries(categories.map((c) => [c, 1 / categories.length])) }
      : numericStats,
  };
}

/** A regression manifest over `features`, encoded numeric-as-is and one-hot for categories. */
export function manifest(overrides: Partial<ManifestInput> & { features?: ManifestInput['features'] } = {}): TrainedManifestInput {
  const features = overrides.features ?? [
    feature({ name: 'x', type: 'number', min: -100, max: 100 }),
    feature({ name: 'color', type: 'category', categories: ['red', 'green'] }),
  ];
  const columns: MatrixEncoding['columns'] = features.map((f) =>
    f.type === 'category'
      ? { transform: 'one_hot' as const, feature: f.name, categories: f.categories! }
      : f.type === 'boolean'
        ? { transform: 'boolean' as const, feature: f.name, impute: 0 as const }
        : { transform: 'numeric' as const, feature: f.name, impute: 0 },
  );
  const width = columns.reduce((w, c) => w + (c.transform === 'one_hot' ? c.categories.length : 1), 0);
  const task = overrides.task ?? 'regression';
  return {
    schema_version: 1,
    name: 'toy',
    version: '1',
    task,
    stage: 'research',
    artifact: { file: 'model.onnx', format: 'onnx', sha256: 'a'.repeat(64), bytes: 10 },
    features,
    encoding: { input_name: 'input', columns },
    output:
      task === 'regression'
        ? { tensor: 'output', training: { ...numericStats } }
        : { tensor: 'output', labels: ['no', 'yes'], positive_label: 'yes', training: { ...numericStats } },
    training: {
      trained_at: '2026-11-01T00:00:00Z',
      dataset: { file: 'toy.csv', sha256: 'b'.repeat(64), rows: 100, target: 'y' },
      split: { method: 'seeded_shuffle', holdout_fraction: 0.2, train_rows: 80, holdout_rows: 20 },
      seed: 1,
      algorithm: 'linear',
      hyperparameters: {},
      code_version: 'test',
      metrics: { primary: 'mae', higher_is_better: false, overall: { mae: 1 }, slices: [] },
    },
    golden: [
      {
        instance: {},
        encoded: new Array(width).fill(0),
        expected: task === 'regression' ? { value: 0 } : { label: 'no', probabilities: { no: 0.5, yes: 0.5 } },
      },
    ],
    ...overrides,
  } as TrainedManifestInput;
}
