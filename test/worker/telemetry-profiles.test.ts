import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { manifestOf, postJson } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'california-housing';
const golden = manifestOf(MODEL, '1').golden.map((g) => g.instance);

async function totals(): Promise<{ served: number; invalid: number; samples: number; comparisons: number; income: number }> {
  const profile = await d1
    .prepare(`SELECT coalesce(sum(CASE WHEN feature = '__instances__' THEN count END), 0) AS served,
                     coalesce(sum(CASE WHEN feature = '__instances__' THEN invalid END), 0) AS invalid,
                     coalesce(sum(CASE WHEN feature = 'median_income' THEN count END), 0) AS income
              FROM feature_profiles WHERE model = ? AND version = 1`)
    .bind(MODEL)
    .first<{ served: number; invalid: number; income: number }>();
  const samples = await d1
    .prepare(`SELECT count(*) AS n FROM prediction_samples WHERE model = ? AND version = 1`)
    .bind(MODEL)
    .first<{ n: number }>();
  const comparisons = await d1.prepare(`SELECT count(*) AS n FROM shadow_comparisons WHERE model = ?`).bind(MODEL).first<{ n: number }>();
  return { ...profile!, samples: samples!.n, comparisons: comparisons!.n };
}

describe('profiles through the Worker', () => {
  it('count every served instance exactly once in D1, and the rejected ones as invalid', { timeout: 40_000 }, async () => {
    const sizes = [1, 5, 2, 7, 3];
    for (const n of sizes) {
      const res = await postJson(`/v1/models/${MODEL}/predict`, { instances: golden.slice(0, n) });
      expect(res.status).toBe(200);
    }
    // Concurrent requests from one isolate.
    const concurrent = await Promise.all(
      Array.from({ length: 6 }, (_, i) => postJson(`/v1/models/${MODEL}/predict`, { instances: golden.slice(i, i + 2) })),
    );
    for (const res of concurrent) expect(res.status).toBe(200);
    // One request with 2 invalid instances of 3 is rejected whole.
    const bad = await postJson(`/v1/models/${MODEL}/predict`, {
      instances: [golden[0], { ...golden[1], median_income: -5 }, { ...golden[2], latitude: 'north' }],
    });
    expect(bad.status).toBe(400);

    const served = sizes.reduce((a, b) => a + b, 0) + 6 * 2;
    const deadline = Date.now() + 25_000;
    let t = await totals();
    while ((t.served < served || t.samples < served || t.comparisons < served || t.invalid < 2) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      t = await totals();
    }
    expect(t).toEqual({ served, invalid: 2, samples: served, comparisons: served, income: served });
    // Nothing arrives twice later on.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await totals()).toEqual(t);
  });
});
