/**
 * `npm ci` must work as the README writes it, on any machine that reaches the npm registry: no dependency
 * may run an install script that downloads from elsewhere. Every package with an install script is reviewed
 * here and recorded in package.json's `allowScripts` (npm 11's install-script policy).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
};
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

/** Install scripts that were read and stay offline: why each may run (true) or is denied (false). */
const REVIEWED: Record<string, { allowed: boolean; why: string }> = {
  esbuild: { allowed: true, why: 'checks its platform binary, which an optional dependency from the registry provides' },
  workerd: { allowed: true, why: 'checks its platform binary, which an optional dependency from the registry provides' },
  protobufjs: { allowed: true, why: 'prints a version notice; no network' },
  '@scarf/scarf': { allowed: false, why: 'sends install analytics to scarf.sh; nothing needs it' },
};

function packageName(path: string): string {
  return path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

describe('installing the project', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript)
    .map(([path]) => packageName(path));

  it('has no install script that is not reviewed (onnxruntime-node downloads CUDA from outside the registry)', () => {
    expect(withScripts.filter((name) => !(name in REVIEWED))).toEqual([]);
  });

  it('records each reviewed install script in package.json allowScripts', () => {
    for (const name of new Set(withScripts)) expect(pkg.allowScripts?.[name], name).toBe(REVIEWED[name]!.allowed);
  });

  it('does not depend on onnxruntime-node: the benchmark installs its peer on demand', () => {
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain('onnxruntime-node');
  });
});
