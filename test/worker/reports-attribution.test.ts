/**
 * "Why predictions moved" in the drift and shadow reports, against samples and comparisons seeded in D1: the
 * change of each feature's mean contribution, which adds up to the change of the mean prediction. Expected
 * shifts come from the served predictions of the same instances, not from the explainer.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { adminHeaders, fetchWorker, makePrimary, manifestOf, postJson } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const HOUSING = 'california-housing';
const INCOME = 'adult-income';

interface AttributionJson {
  status: string;
  reason?: string;
  method: string;
  space: string;
  outputs: string[];
  rows: { reference: number; current: number };
  prediction_shift: number[];
  base_shift: number[];
  features: { feature: string; shift: number[]; mean_abs: { reference: number[]; current: number[] } }[];
  hashed_features: string[];
  skipped_rows: number;
}

async function insertSamples(
  model: string,
  version: number,
  rows: readonly { id: string; features: Record<string, unknown>; at: number }[],
): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms,
       slices, created_at)
     VALUES (?, 0, ?, ?, 'primary', ?, '{}', 0, NULL, 1, '{}', ?)`,
  );
  await d1.batch(rows.map((r) => stmt.bind(r.id, model, version, JSON.stringify(r.features), r.at)));
}

async function insertComparisons(model: string, ids: readonly string[], at: number): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction,
       shadow_prediction, primary_score, shadow_score, primary_label, shadow_label, signed_diff, abs_diff, label_agree,
       primary_latency_ms, shadow_latency_ms, error, slices, created_at)
     VALUES (?, 0, ?, 1, 2, '{}', '{}', 0, 0, NULL, NULL, 0, 0, NULL, 1, 1, NULL, '{}', ?)`,
  );
  await d1.batch(ids.map((id) => stmt.bind(id, model, at)));
}

async function servedValues(model: string, instances: readonly Record<string, unknown>[], version?: string): Promise<number[]> {
  const path = version ? `/v1/models/${model}/versions/${version}/explain` : `/v1/models/${model}/predict`;
  const res = await postJson(path, { instances });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { predictions?: { value: number }[]; explanations?: { prediction: { value: number } }[] };
  return (body.predictions ?? body.explanations!.map((e) => e.prediction)).map((p) => p.value);
}

async function fetchReport<T>(path: string): Promise<{ body: T }> {
  const res = await fetchWorker(path, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return { body: (await res.json()) as T };
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function expectAdditive(a: AttributionJson): void {
  a.outputs.forEach((_, k) => {
    const sum = a.features.reduce((s, f) => s + f.shift[k]!, 0);
    const scale = Math.max(1, ...a.prediction_shift.map(Math.abs));
    expect(Math.abs(sum - (a.prediction_shift[k]! - a.base_shift[k]!)) / scale).toBeLessThan(1e-6);
  });
}

describe('attribution of a prediction shift', () => {
  const instances = manifestOf(HOUSING, '1').golden.map((g) => g.instance as Record<string, unknown>);
  const shifted = instances.map((i) => ({ ...i, median_income: (i.median_income as number) * 1.5 }));

  it('names the feature that moved the predictions between windows in the drift report', async () => {
    const now = Date.now();
    await insertSamples(
      HOUSING,
      1,
      instances.map((features, i) => ({ id: `before-${i}`, features, at: now - 90 * 60_000 })),
    );
    await insertSamples(
      HOUSING,
      1,
      shifted.map((features, i) => ({ id: `after-${i}`, features, at: now - 10 * 60_000 })),
    );
    const report = await fetchReport<{ attribution: AttributionJson }>(`/v1/models/${HOUSING}/reports/drift?window=1h`);
    const attribution = report.body.attribution;
    expect(attribution).toMatchObject({
      status: 'ok',
      method: 'linear',
      outputs: ['value'],
      rows: { reference: instances.length, current: instances.length },
      skipped_rows: 0,
    });
    expectAdditive(attribution);
    expect(attribution.features[0]!.feature).toBe('median_income');
    const expected = mean(await servedValues(HOUSING, shifted)) - mean(await servedValues(HOUSING, instances));
    expect(Math.abs(attribution.features[0]!.shift[0]! - expected) / Math.abs(expected)).toBeLessThan(1e-4);
    for (const f of attribution.features.slice(1)) expect(Math.abs(f.shift[0]!)).toBeLessThan(1e-6 * Math.abs(expected));
  });

  it('compares the primary and a shadow on the requests the shadow answered, in the shadow report', async () => {
    const now = Date.now();
    await insertComparisons(HOUSING, instances.map((_, i) => `after-${i}`).slice(0, 12), now - 10 * 60_000);
    const report = await fetchReport<{ shadows: { version: string; attribution: AttributionJson }[] }>(
      `/v1/models/${HOUSING}/reports/shadow?window=1h`,
    );
    const attribution = report.body.shadows.find((s) => s.version === '2')!.attribution;
    expect(attribution).toMatchObject({ status: 'ok', method: 'linear → tree_shap', rows: { reference: 12, current: 12 } });
    expectAdditive(attribution);
    const rows = shifted.slice(0, 12);
    const expected = mean(await servedValues(HOUSING, rows, '2')) - mean(await servedValues(HOUSING, rows, '1'));
    expect(Math.abs(attribution.prediction_shift[0]! - expected) / Math.abs(expected)).toBeLessThan(1e-4);
    expect(attribution.base_shift[0]).not.toBe(0);
  });

  it('estimates both classifiers by sampling when their exact spaces differ, and treats hashed PII as absent', async () => {
    const now = Date.now();
    const incomes = manifestOf(INCOME, '1')
      .golden.slice(0, 8)
      .map((g) => g.instance as Record<string, unknown>);
    await insertSamples(
      INCOME,
      1,
      incomes.map((features, i) => ({ id: `income-${i}`, features: { ...features, 'native-country': 'a1b2c3' }, at: now - 10 * 60_000 })),
    );
    await insertComparisons(
      INCOME,
      incomes.map((_, i) => `income-${i}`),
      now - 10 * 60_000,
    );
    const report = await fetchReport<{ shadows: { version: string; attribution: AttributionJson }[] }>(
      `/v1/models/${INCOME}/reports/shadow?window=1h`,
    );
    const attribution = report.body.shadows.find((s) => s.version === '2')!.attribution;
    expect(attribution.reason).toBeUndefined();
    expect(attribution).toMatchObject({
      status: 'ok',
      method: 'sampling_shapley',
      space: 'probability',
      outputs: ['<=50K', '>50K'],
      hashed_features: ['native-country'],
      skipped_rows: 0,
    });
    expect(attribution.rows.current).toBe(8);
    expectAdditive(attribution);
  });

  it('says why when there is nothing to explain', async () => {
    await makePrimary('titanic', '1'); // bundled undeployed (models/deployments.json)
    const report = await fetchReport<{ attribution: AttributionJson }>(`/v1/models/titanic/reports/drift?window=1h`);
    expect(report.body.attribution.status).toBe('insufficient_data');
    expect(report.body.attribution.reason).toContain('no logged instances of version 1');
  });
});
