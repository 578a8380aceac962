import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/model/manifest.ts';
import { hashPii, protectFeatures } from '../../../src/telemetry/pii.ts';
import { feature, manifest } from '../../support/manifest-builder.ts';

const parsed = parseManifest(
  manifest({
    features: [
      feature({ name: 'x', type: 'number', min: -100, max: 100 }),
      feature({ name: 'country', type: 'category', categories: ['United-States', 'Canada'], pii: 'hash' }),
      feature({ name: 'email', type: 'category', categories: ['a@example.com'], pii: 'drop' }),
    ],
  }),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const toy = parsed.manifest;

describe('hashPii', () => {
  it('is "h:" + the first 16 bytes of HMAC-SHA256(salt, value) in hex', async () => {
    const expected = `h:${createHmac('sha256', 'salt-1').update('United-States').digest('hex').slice(0, 32)}`;
    expect(await hashPii('United-States', 'salt-1')).toBe(expected);
  });

  it('hashes a value the same under one salt and differently under another', async () => {
    expect(await hashPii('United-States', 's')).toBe(await hashPii('United-States', 's'));
    expect(await hashPii('United-States', 's')).not.toBe(await hashPii('United-States', 't'));
    expect(await hashPii('Canada', 's')).not.toBe(await hashPii('United-States', 's'));
  });

  it('keeps null as null', async () => {
    expect(await hashPii(null, 's')).toBeNull();
  });
});

describe('protectFeatures', () => {
  it('hashes "hash" features, leaves out "drop" features and keeps the others as they are', async () => {
    const out = await protectFeatures(toy, [3.5, 'United-States', 'a@example.com'], 'salt-1');
    expect(Object.keys(out).sort()).toEqual(['country', 'x']);
    expect(out.x).toBe(3.5);
    expect(out.country).toMatch(/^h:[0-9a-f]{32}$/);
    expect(JSON.stringify(out)).not.toContain('United-States');
    expect(JSON.stringify(out)).not.toContain('example.com');
  });
});

describe('compileSlicer', () => {
  it('labels a PII slice by category position or band, never by the raw value', async () => {
    const { compileSlicer } = await import('../../../src/telemetry/slices.ts');
    const { feature } = await import('../../support/manifest-builder.ts');
    const manifest = {
      features: [
        { ...feature({ name: 'country', type: 'category', categories: ['Peru', 'Chile'], pii: 'hash' }) },
        { ...feature({ name: 'age', type: 'number', pii: 'drop' }) },
        { ...feature({ name: 'plan', type: 'category', categories: ['free', 'pro'] }) },
      ],
      monitoring: { slices: [{ feature: 'age', bands: [30] }, { feature: 'plan' }], protected_attributes: ['country'] },
    } as unknown as Parameters<typeof compileSlicer>[0];
    const slicer = compileSlicer(manifest);
    expect(slicer(['Chile', 42, 'pro'])).toEqual({ age: '(30, ∞)', plan: 'pro', country: '#1' });
    expect(JSON.stringify(slicer(['Chile', 42, 'pro']))).not.toContain('Chile');
    expect(slicer([null, null, null])).toEqual({ age: 'null', plan: 'null', country: 'null' });
  });
});
