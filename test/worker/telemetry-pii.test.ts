import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { modelPiiKey } from '../../src/telemetry/pii.ts';
import { manifestOf, postJson } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'adult-income';
const manifest = manifestOf(MODEL, '1');
const country = manifest.features.find((f) => f.name === 'native-country')!;

async function predict(instances: unknown[]): Promise<string> {
  const res = await postJson(`/v1/models/${MODEL}/predict`, { instances });
  expect(res.status).toBe(200);
  return ((await res.json()) as { request_id: string }).request_id;
}

/** Polls D1 until `query`'s rows satisfy `done` (telemetry travels buffer → queue → consumer → D1). */
async function rowsEventually<T>(query: () => Promise<T[]>, done: (rows: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await query();
    if (done(rows) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function hmacHex(salt: string, value: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(salt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(value)));
  return [...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('PII in telemetry', () => {
  it("stores native-country hashed with the deployment's salt in samples and by position in profiles, never raw", {
    timeout: 40_000,
  }, async () => {
    expect(country.pii).toBe('hash');
    const base = manifest.golden[0]!.instance;
    expect(base['native-country']).toBe('United-States');
    const canada = { ...base, 'native-country': 'Canada' };
    const first = await predict([base, canada]);
    const second = await predict([base]);

    // The default deployment shadows every request, so every request is logged as a sample.
    const samples = await rowsEventually(
      async () =>
        (
          await d1
            .prepare(
              'SELECT request_id, instance, features, slices FROM prediction_samples WHERE request_id IN (?, ?) ' +
                'ORDER BY request_id, instance',
            )
            .bind(first, second)
            .all<{ request_id: string; instance: number; features: string; slices: string }>()
        ).results,
      (rows) => rows.length >= 3,
    );
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      expect(s.features).not.toContain('United-States');
      expect(s.features).not.toContain('Canada');
      expect(s.slices).not.toContain('United-States');
    }
    const hashOf = (requestId: string, instance: number) =>
      (JSON.parse(samples.find((s) => s.request_id === requestId && s.instance === instance)!.features) as Record<string, unknown>)[
        'native-country'
      ];
    const us1 = hashOf(first, 0);
    expect(us1).toMatch(/^h:[0-9a-f]{32}$/);
    // The same value hashes the same within the deployment (so samples can be grouped), other values differently.
    expect(hashOf(second, 0)).toBe(us1);
    expect(hashOf(first, 1)).toMatch(/^h:[0-9a-f]{32}$/);
    expect(hashOf(first, 1)).not.toBe(us1);
    // Keyed with the model's key from the PII_HASH_KEY secret: HMAC-SHA256(key, value), not a plain digest anyone
    // could look up, and nothing in D1 holds the key.
    expect(us1).toBe(
      `h:${await hmacHex(await modelPiiKey((env as unknown as { PII_HASH_KEY: string }).PII_HASH_KEY, MODEL), 'United-States')}`,
    );
    const stored = await d1.prepare('SELECT pii_salt FROM deployments WHERE model = ?').bind(MODEL).first<{ pii_salt: string }>();
    expect(stored!.pii_salt).toBe('');
    // Other features are kept as sent.
    expect(JSON.parse(samples[0]!.features)).toMatchObject({ age: base.age, occupation: base.occupation });

    const bins = await rowsEventually(
      async () =>
        (
          await d1
            .prepare(
              "SELECT version, bin, sum(count) AS count FROM profile_bins WHERE model = ? AND feature = 'native-country' " +
                'GROUP BY version, bin ORDER BY version, bin',
            )
            .bind(MODEL)
            .all<{ version: number; bin: string; count: number }>()
        ).results,
      (rows) => rows.filter((r) => r.version === 1).reduce((n, r) => n + r.count, 0) >= 3,
    );
    for (const b of bins) expect(b.bin).toMatch(/^#\d+$/);
    const primaryBins = Object.fromEntries(bins.filter((b) => b.version === 1).map((b) => [b.bin, b.count]));
    expect(primaryBins).toEqual({
      [`#${country.categories!.indexOf('United-States')}`]: 2,
      [`#${country.categories!.indexOf('Canada')}`]: 1,
    });

    // Nowhere in D1's telemetry tables does the raw value appear.
    for (const [table, columns] of [
      ['prediction_samples', 'features || slices'],
      ['shadow_comparisons', 'slices'],
      ['profile_bins', 'bin'],
      ['feature_profiles', 'feature'],
    ] as const) {
      const leaked = await d1
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE ${columns} LIKE '%United-States%' OR ${columns} LIKE '%Canada%'`)
        .first<{ n: number }>();
      expect(leaked!.n, table).toBe(0);
    }
  });
});
