/**
 * Manifests for explanation tests: a Vigil-style float matrix over chosen encoding columns, any task, parsed (so
 * every default is filled in), and a seeded PRNG with row makers.
 */
import { feature, manifest } from '../../support/manifest-builder.ts';
import { parseManifest, type EncodingColumn, type Manifest, type ManifestInput, type Task } from '../../../src/model/manifest.ts';
import type { Row } from '../../../src/model/instance-validator.ts';

export type FeatureInput = ManifestInput['features'][number];

/** A nullable number feature with the given training statistics. */
export function numberFeature(name: string, stats: { mean?: number; nullRate?: number; min?: number; max?: number } = {}): FeatureInput {
  const min = stats.min ?? -3;
  const max = stats.max ?? 3;
  return {
    ...feature({ name, type: 'number', nullable: true, min: -1000, max: 1000 }),
    training: {
      count: 100,
      null_rate: stats.nullRate ?? 0.2,
      mean: stats.mean ?? 0,
      std: 1,
      min,
      max,
      bin_edges: [(min + max) / 2],
      bin_frequencies: [0.5, 0.5],
    },
  };
}

export function categoryFeature(name: string, frequencies: Record<string, number>, nullRate = 0): FeatureInput {
  return {
    ...feature({ name, type: 'category', categories: Object.keys(frequencies), nullable: nullRate > 0 }),
    training: { count: 100, null_rate: nullRate, category_frequencies: frequencies },
  };
}

export function matrixManifest(
  features: readonly FeatureInput[],
  columns: readonly EncodingColumn[],
  task: Task = 'regression',
  labels: readonly string[] = [],
): Manifest {
  const width = columns.reduce((w, c) => w + (c.transform === 'one_hot' ? c.categories.length : 1), 0);
  const input = manifest({
    task,
    features: [...features],
    encoding: { input_name: 'input', columns: [...columns] },
    output: {
      tensor: 'output',
      ...(task === 'regression' ? {} : { labels: [...labels] }),
      training: { count: 100, null_rate: 0, mean: 0, std: 1, min: -3, max: 3, bin_edges: [0], bin_frequencies: [0.5, 0.5] },
    },
    golden: [
      {
        instance: {},
        encoded: new Array<number>(width).fill(0),
        expected:
          task === 'regression'
            ? { value: 0 }
            : { label: labels[0]!, probabilities: Object.fromEntries(labels.map((l) => [l, 1 / labels.length])) },
      },
    ],
  });
  const parsed = parseManifest(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.manifest;
}

/** mulberry32. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows of the features: numbers from `pool` (thresholds hit exactly) or uniform in ±3, null at `nullRate`; categories uniform. */
export function randomRows(m: Manifest, count: number, random: () => number, pool: readonly number[] = [], nullRate = 0.15): Row[] {
  return Array.from({ length: count }, () =>
    m.features.map((f) => {
      if (f.nullable && random() < nullRate) return null;
      if (f.type === 'category') return f.categories![Math.floor(random() * f.categories!.length)]!;
      if (f.type === 'boolean') return random() < 0.5;
      if (pool.length > 0 && random() < 0.5) return pool[Math.floor(random() * pool.length)]!;
      return Math.fround(random() * 6 - 3);
    }),
  );
}
