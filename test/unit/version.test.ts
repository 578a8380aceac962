import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIGIL_VERSION } from '../../src/version.ts';

describe('VIGIL_VERSION', () => {
  it('equals the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VIGIL_VERSION).toBe(pkg.version);
  });
});
