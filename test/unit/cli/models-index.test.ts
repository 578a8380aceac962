import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverBundledPackages, readDefaultDeployments, renderBundledModule, writeTreeImages } from '../../../cli/models-index.ts';
import { readTreeImage } from '../../../src/inference/compiled/tree-image.ts';
import { MODELS_DIR } from '../../../cli/lib/paths.ts';

function deploymentsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-deployments-')), 'deployments.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('models/deployments.json', () => {
  const packages = discoverBundledPackages();

  it('declares titanic bundled but undeployed (null), and both trained demo models serving', () => {
    const defaults = readDefaultDeployments(packages);
    expect(defaults.titanic).toBeNull();
    expect(defaults['california-housing']).toMatchObject({ primary: '1' });
    expect(defaults['adult-income']).toMatchObject({ primary: '1' });
    expect(renderBundledModule(packages, defaults)).toContain('"titanic": null');
  });

  it('refuses a null entry for a model that is not bundled, and versions that are not bundled', () => {
    expect(() => readDefaultDeployments(packages, deploymentsFile({ nope: null }))).toThrow(/nope is not a bundled model/);
    expect(() => readDefaultDeployments(packages, deploymentsFile({ titanic: { primary: '7' } }))).toThrow(
      /titanic version 7 is not a bundled package/,
    );
  });
});

describe('bundled manifests the Worker need not parse again', () => {
  it('are marked validated only when complete: a manifest that relies on a schema default is parsed in the Worker', () => {
    const packages = discoverBundledPackages();
    expect(packages.every((p) => p.complete)).toBe(true);
    expect(renderBundledModule(packages)).toContain('validated: true');

    const dir = mkdtempSync(join(tmpdir(), 'vigil-models-'));
    mkdirSync(join(dir, 'california-housing', '1'), { recursive: true });
    const from = join(MODELS_DIR, 'california-housing', '1');
    copyFileSync(join(from, 'model.onnx'), join(dir, 'california-housing', '1', 'model.onnx'));
    const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.declarations; // defaults to {}
    writeFileSync(join(dir, 'california-housing', '1', 'manifest.json'), JSON.stringify(manifest));
    const incomplete = discoverBundledPackages(dir);
    expect(incomplete.map((p) => p.complete)).toEqual([false]);
    expect(renderBundledModule(incomplete)).not.toContain('validated');
  });
});

describe('tree images of the bundled models', () => {
  it('are written for the packages whose trees the compiled evaluator runs, name their bytes, and replace stale files', () => {
    const packages = discoverBundledPackages();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tree-images-'));
    writeFileSync(join(dir, 'california-housing-9.trees'), 'stale');
    const imaged = writeTreeImages(packages, dir);
    expect([...imaged].map((p) => `${p.name}/${p.version}`).sort()).toEqual(['adult-income/2', 'california-housing/2']);
    expect(readdirSync(dir).sort()).toEqual(['adult-income-2.trees', 'california-housing-2.trees']);
    for (const p of imaged) {
      const read = readTreeImage(new Uint8Array(readFileSync(join(dir, `${p.name}-${p.version}.trees`))));
      expect(read).toMatchObject({ ok: true, sha256: p.sha256 });
    }

    const source = renderBundledModule(packages, {}, imaged);
    const housing = packages.findIndex((p) => p.name === 'california-housing' && p.version === '2');
    expect(source).toContain(`import trees${housing} from './tree-images.gen/california-housing-2.trees';`);
    expect(source).toContain(`artifact: artifact${housing}, validated: true, trees: trees${housing} },`);
    expect(source.match(/trees: /g)).toHaveLength(2);
  });
});
