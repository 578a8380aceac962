/**
 * Labelled traffic for end-to-end tests, made from the bundled manifests' golden instances (so the tests need
 * no dataset): numeric features jittered within their schema, labels from the golden outputs with some noise
 * so the versions' quality differs. Deterministic for a given seed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './dev-worker.ts';

interface ManifestFeature {
  name: string;
  type: 'number' | 'integer' | 'category' | 'boolean';
  min?: number;
  max?: number;
}

interface GoldenExample {
  instance: Record<string, unknown>;
  expected: { label?: string; value?: number };
}

export interface BundledManifest {
  name: string;
  version: string;
  task: string;
  features: ManifestFeature[];
  output: { labels?: string[] };
  golden: GoldenExample[];
}

export function bundledManifest(model: string, version: string): BundledManifest {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'models', model, version, 'manifest.json'), 'utf8')) as BundledManifest;
}

/** mulberry32: a small seeded PRNG, so every run sends the same traffic. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LabelledInstance {
  instance: Record<string, unknown>;
  label: string | number;
}

export function labelledTraffic(manifest: BundledManifest, count: number, seed = 1): LabelledInstance[] {
  const random = seeded(seed);
  const out: LabelledInstance[] = [];
  for (let i = 0; i < count; i++) {
    const golden = manifest.golden[i % manifest.golden.length]!;
    const instance: Record<string, unknown> = { ...golden.instance };
    for (const f of manifest.features) {
      const v = instance[f.name];
      if (typeof v !== 'number' || (f.type !== 'number' && f.type !== 'integer')) continue;
      let jittered = v * (1 + (random() - 0.5) * 0.1);
      if (f.type === 'integer') jittered = Math.round(jittered);
      if (f.min !== undefined) jittered = Math.max(f.min, jittered);
      if (f.max !== undefined) jittered = Math.min(f.max, jittered);
      instance[f.name] = jittered;
    }
    let label: string | number;
    if (manifest.task === 'regression') label = Math.round((golden.expected.value ?? 0) * (0.75 + random() * 0.5));
    else {
      const labels = manifest.output.labels ?? [];
      const expected = golden.expected.label ?? labels[0]!;
      label = random() < 0.15 ? (labels.find((l) => l !== expected) ?? expected) : expected;
    }
    out.push({ instance, label });
  }
  return out;
}
