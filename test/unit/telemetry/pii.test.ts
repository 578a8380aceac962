import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/model/manifest.ts';
import { hashPii, modelPiiKey, protectFeatures } from '../../../src/telemetry/pii.ts';
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

describe('PII keys from the PII_HASH_KEY secret', () => {
  it('leaves "hash" features out altogether when there is no key, rather than storing a weak hash', async () => {
    const out = await protectFeatures(toy, [3.5, 'United-States', 'a@example.com'], null);
    expect(out).toEqual({ x: 3.5 });
  });

  it('derives one key per model from the secret, so a category list hashed without the secret matches nothing', async () => {
    const key = await modelPiiKey('the-secret-0123456789', 'adult-income');
    expect(key).toBe(createHmac('sha256', 'the-secret-0123456789').update('vigil-pii:adult-income').digest('hex'));
    expect(await modelPiiKey('the-secret-0123456789', 'other-model')).not.toBe(key);
    // Someone with D1 but not the secret: hashing the 40 country names with any key they can guess finds nothing.
    const stored = await hashPii('United-States', key);
    for (const guess of ['adult-income', 'vigil-pii:adult-income', 'salt']) expect(await hashPii('United-States', guess)).not.toBe(stored);
  });
});
