/**
 * `vigil types --check` (run by `npm run typecheck`, so by CI): the committed bindings types must match the
 * wrangler configs they were generated from, and a config edited without regenerating them must fail the check.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../cli/lib/paths.ts';
import { GENERATED_BINDINGS, generateBindingsTypes } from '../../../cli/wrangler-types.ts';

describe('vigil types', () => {
  let root: string;
  let errors: string[];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vigil-types-'));
    mkdirSync(join(root, 'src'));
    for (const g of GENERATED_BINDINGS) {
      cpSync(join(REPO_ROOT, g.config), join(root, g.config));
      cpSync(join(REPO_ROOT, g.out), join(root, g.out));
    }
    // The generated types name each Worker's main module, so wrangler reads it (a module Worker).
    for (const main of ['src/index.ts', 'src/telemetry-worker.ts']) writeFileSync(join(root, main), 'export default {};\n');
    errors = [];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('finds the committed types up to date with both configs', () => {
    expect(generateBindingsTypes({ check: true, root })).toBe(0);
    expect(errors).toEqual([]);
  });

  it('fails the check, naming the file, when a binding is added without regenerating', () => {
    const config = join(root, 'wrangler.toml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "0"\n`);
    expect(generateBindingsTypes({ check: true, root })).toBe(1);
    expect(errors.join('\n')).toContain('src/vigil-bindings.gen.d.ts is out of date with wrangler.toml');
  });

  it('regenerates types that declare the new binding, which then pass the check', () => {
    const config = join(root, 'wrangler.telemetry.toml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n[vars]\nTELEMETRY_RETRY_SECONDS = "30"\n`);
    expect(generateBindingsTypes({ check: false, root })).toBe(0);
    expect(readFileSync(join(root, 'src/telemetry-bindings.gen.d.ts'), 'utf8')).toMatch(/TELEMETRY_RETRY_SECONDS: string;/);
    expect(generateBindingsTypes({ check: true, root })).toBe(0);
  });
});
