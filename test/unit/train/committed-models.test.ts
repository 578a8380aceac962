import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import { gridCandidates } from '../../../cli/train/grid-search.ts';
import { parseTrainingSpec } from '../../../cli/train/spec.ts';
import { goldenMismatches } from './golden-check.ts';

// Reads only committed files (models/), never the datasets, so it runs anywhere.
const MODELS_DIR = new URL('../../../models/', import.meta.url);

interface CommittedPackage {
  id: string;
  manifest: Manifest;
  onnx: Uint8Array;
}

function committedPackages(): CommittedPackage[] {
  return readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((model) =>
      readdirSync(new URL(`${model.name}/`, MODELS_DIR), { withFileTypes: true })
        .filter((v) => v.isDirectory())
        .map((version) => {
          const dir = new URL(`${model.name}/${version.name}/`, MODELS_DIR);
          const parsed = parseManifest(JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')));
          if (!parsed.ok) throw new Error(`${model.name}/${version.name}: ${JSON.stringify(parsed.issues)}`);
          return { id: `${model.name}/${version.name}`, manifest: parsed.manifest, onnx: readFileSync(new URL('model.onnx', dir)) };
        }),
    );
}

const packages = committedPackages();
const byId = (id: string) => packages.find((p) => p.id === id)!.manifest;

describe('committed demo models', () => {
  it('has both versions of both trained demo models and the imported titanic model', () => {
    expect(packages.map((p) => p.id).sort()).toEqual([
      'adult-income/1',
      'adult-income/2',
      'california-housing/1',
      'california-housing/2',
      'titanic/1',
    ]);
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s names itself after its directory', (id, p) => {
    expect(`${p.manifest.name}/${p.manifest.version}`).toBe(id);
    expect(p.manifest.stage).toBe('production');
    expect(p.manifest.monitoring.max_age_days).toBe(180);
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s matches its artifact sha256 and size', (_id, p) => {
    expect(createHash('sha256').update(p.onnx).digest('hex')).toBe(p.manifest.artifact.sha256);
    expect(p.onnx.length).toBe(p.manifest.artifact.bytes);
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s reproduces its goldens under onnxruntime-web', async (_id, p) => {
    expect(p.manifest.golden.length).toBeGreaterThanOrEqual(24);
    expect(await goldenMismatches(p.manifest, p.onnx)).toEqual([]);
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s reproduces its goldens one instance at a time', async (_id, p) => {
    for (const golden of p.manifest.golden) {
      expect(await goldenMismatches({ ...p.manifest, golden: [golden] }, p.onnx)).toEqual([]);
    }
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s stays small enough to bundle', (_id, p) => {
    expect(p.onnx.length).toBeLessThan(3 * 1024 * 1024);
  });

  it('shows each gbdt beating its linear version on the primary metric', () => {
    const mae = (id: string) => byId(id).training.metrics.overall.mae!;
    const auc = (id: string) => byId(id).training.metrics.overall.auc!;
    expect(mae('california-housing/2')).toBeLessThan(0.8 * mae('california-housing/1'));
    expect(auc('adult-income/2')).toBeGreaterThan(auc('adult-income/1') + 0.01);
  });

  it('keeps native-country marked as PII and sliced protected attributes on the income model', () => {
    for (const id of ['adult-income/1', 'adult-income/2']) {
      const m = byId(id);
      expect(m.features.find((f) => f.name === 'native-country')?.pii).toBe('hash');
      expect(m.features.some((f) => f.name === 'fnlwgt')).toBe(false);
      expect(m.monitoring.protected_attributes).toEqual(['sex', 'race']);
      expect(new Set(m.training.metrics.slices.map((s) => s.feature))).toEqual(new Set(['sex', 'race']));
    }
  });

  it('ships training specs that parse', () => {
    for (const name of ['california-housing', 'adult-income']) {
      const spec = parseTrainingSpec(JSON.parse(readFileSync(new URL(`${name}/spec.json`, MODELS_DIR), 'utf8')));
      expect(spec.ok, name).toBe(true);
    }
  });

  it.each(packages.map((p) => [p.id, p] as const))('%s carries a permutation importance and cost for every feature', (_id, p) => {
    const a = p.manifest.training.feature_assessment;
    expect(a).toBeDefined();
    expect(a!.features.map((f) => f.name)).toEqual(p.manifest.features.map((f) => f.name));
    expect(a!.baseline).toBe(p.manifest.training.metrics.overall[p.manifest.training.metrics.primary]);
    expect(a!.features.some((f) => f.beneficial)).toBe(true);
  });

  it.each(['california-housing/1', 'california-housing/2', 'adult-income/1', 'adult-income/2'])(
    '%s records the grid its spec searches, cross-validated on the training split',
    (id) => {
      const m = byId(id);
      const spec = parseTrainingSpec(JSON.parse(readFileSync(new URL(`${m.name}/spec.json`, MODELS_DIR), 'utf8')));
      if (!spec.ok) throw new Error(spec.issues.join('; '));
      const algorithm = m.training.algorithm === 'gbdt' ? 'gbdt' : 'linear';
      const grid = spec.spec.tuning![algorithm]!;
      expect(m.training.tuning!.candidates.map((c) => c.hyperparameters)).toEqual(gridCandidates(grid.grid));
      expect(m.training.tuning).toMatchObject({ folds: grid.folds, seed: m.training.seed, metric: m.training.metrics.primary });
    },
  );
});
