import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverBundledPackages, readDefaultDeployments, renderBundledModule } from '../../../cli/models-index.ts';

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
