import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ClassificationPrediction, RegressionPrediction } from '../../src/model/decode.ts';
import { adminJson, expectClose, manifestOf, postJson } from './helpers.ts';
import { bundledPackage, pushPackage } from './packages.ts';

interface ComparisonRow {
  request_id: string;
  instance: number;
  model: string;
  primary_version: number;
  shadow_version: number;
  primary_prediction: string;
  shadow_prediction: string | null;
  primary_score: number;
  shadow_score: number | null;
  primary_label: string | null;
  shadow_label: string | null;
  signed_diff: number | null;
  abs_diff: number | null;
  label_agree: number | null;
  primary_latency_ms: number;
  shadow_latency_ms: number | null;
  error: string | null;
}

const db = (env as unknown as { DB: D1Database }).DB;

async function comparisonsOf(requestIds: readonly string[]): Promise<ComparisonRow[]> {
  const placeholders = requestIds.map(() => '?').join(', ');
  const { results } = await db
    .prepare(`SELECT * FROM shadow_comparisons WHERE request_id IN (${placeholders}) ORDER BY request_id, shadow_version, instance`)
    .bind(...requestIds)
    .all<ComparisonRow>();
  return results;
}

/**
 * Waits until D1 holds `expected` comparisons for the requests. They travel the production path: the
 * isolate's telemetry buffer (flushed at once in tests) → the TELEMETRY queue → this Worker's queue consumer
 * → D1; the local queue delivers a batch after its max_batch_timeout (5 s).
 */
async function awaitComparisons(requestIds: readonly string[], expected: number, timeoutMs = 20_000): Promise<ComparisonRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await comparisonsOf(requestIds);
    if (rows.length >= expected || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface PredictBody<P> {
  version: string;
  request_id: string;
  predictions: P[];
}

async function predict<P>(model: string, instances: unknown[]): Promise<PredictBody<P>> {
  const res = await postJson(`/v1/models/${model}/predict`, { instances });
  expect(res.status).toBe(200);
  return (await res.json()) as PredictBody<P>;
}

describe('shadow comparisons of the default deployment', () => {
  it('records one comparison per instance of every shadowed request in D1, regression and classification alike', {
    timeout: 40_000,
  }, async () => {
    const housing1 = manifestOf('california-housing', '1');
    const housing2 = manifestOf('california-housing', '2');
    const income1 = manifestOf('adult-income', '1');
    const income2 = manifestOf('adult-income', '2');

    const housingRequests = [
      await predict<RegressionPrediction>(
        'california-housing',
        housing1.golden.slice(0, 3).map((g) => g.instance),
      ),
      await predict<RegressionPrediction>(
        'california-housing',
        housing1.golden.slice(3, 5).map((g) => g.instance),
      ),
    ];
    const incomeRequest = await predict<ClassificationPrediction>(
      'adult-income',
      income1.golden.slice(0, 20).map((g) => g.instance),
    );
    for (const r of [...housingRequests, incomeRequest]) expect(r.version).toBe('1');

    const rows = await awaitComparisons([...housingRequests.map((r) => r.request_id), incomeRequest.request_id], 25);
    expect(rows).toHaveLength(25);

    // Regression: both predictions, signed and absolute difference, both latencies, no error.
    let offset = 0;
    for (const request of housingRequests) {
      const mine = rows.filter((r) => r.request_id === request.request_id);
      expect(mine.map((r) => r.instance)).toEqual(request.predictions.map((_, i) => i));
      mine.forEach((row, i) => {
        const golden = offset + i;
        const shadowExpected = (housing2.golden[golden]!.expected as { value: number }).value;
        expect(row).toMatchObject({
          model: 'california-housing',
          primary_version: 1,
          shadow_version: 2,
          error: null,
          primary_label: null,
          shadow_label: null,
          label_agree: null,
        });
        expect(JSON.parse(row.primary_prediction)).toEqual(request.predictions[i]);
        expectClose(row.primary_score, request.predictions[i]!.value);
        expectClose(row.shadow_score!, shadowExpected);
        expectClose((JSON.parse(row.shadow_prediction!) as RegressionPrediction).value, shadowExpected);
        expectClose(row.signed_diff!, row.shadow_score! - row.primary_score);
        expectClose(row.abs_diff!, Math.abs(row.shadow_score! - row.primary_score));
        expect(row.abs_diff!).toBeGreaterThan(0);
        expect(row.primary_latency_ms).toBeGreaterThanOrEqual(0);
        expect(row.shadow_latency_ms).toBeGreaterThanOrEqual(0);
      });
      offset += mine.length;
    }

    // Classification: labels, label agreement and the positive-class probability difference.
    const incomeRows = rows.filter((r) => r.request_id === incomeRequest.request_id);
    expect(incomeRows).toHaveLength(20);
    const positive = income1.output.positive_label ?? income1.output.labels![1]!;
    incomeRows.forEach((row, i) => {
      const primary = incomeRequest.predictions[i]!;
      const shadow = income2.golden[i]!.expected as ClassificationPrediction;
      expect(row).toMatchObject({
        model: 'adult-income',
        primary_version: 1,
        shadow_version: 2,
        error: null,
        primary_label: primary.label,
        shadow_label: shadow.label,
      });
      expect(row.label_agree).toBe(primary.label === shadow.label ? 1 : 0);
      expectClose(row.primary_score, primary.probabilities[positive]!);
      expectClose(row.shadow_score!, shadow.probabilities[positive]!);
      expectClose(row.abs_diff!, Math.abs(shadow.probabilities[positive]! - primary.probabilities[positive]!));
    });
    expect(incomeRows.some((r) => r.label_agree === 1)).toBe(true);
  });

  it("records the shadow's error and answers with the primary alone when the shadow rejects the request", { timeout: 40_000 }, async () => {
    const model = 'california-housing';
    const instance = { ...manifestOf(model, '1').golden[0]!.instance, median_income: 12.5 };
    const before = await predict<RegressionPrediction>(model, [instance]);

    // Version 3 is version 1 with a narrower median_income range: it passes QA (its goldens stay inside it)
    // but refuses the instance above, which version 1 accepts.
    const strict = bundledPackage(model, '1', '3');
    const features = strict.manifest.features as { name: string; max?: number }[];
    features.find((f) => f.name === 'median_income')!.max = 10;
    expect((await pushPackage(strict)).status).toBe(201);
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'clear_shadow', version: '2' })).status).toBe(200);
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'shadow', version: '3', sample_rate: 1 })).status).toBe(200);

    const shadowed = await predict<RegressionPrediction>(model, [instance]);
    expect(shadowed.version).toBe('1');
    expect(shadowed.predictions).toEqual(before.predictions);

    const [row] = await awaitComparisons([shadowed.request_id], 1);
    expect(row).toMatchObject({
      request_id: shadowed.request_id,
      primary_version: 1,
      shadow_version: 3,
      shadow_prediction: null,
      shadow_score: null,
      abs_diff: null,
      shadow_latency_ms: null,
    });
    expect(JSON.parse(row!.primary_prediction)).toEqual(shadowed.predictions[0]);
    expect(row!.error).toMatch(/^shadow rejected the instances: instance 0: .*median_income/);
  });

  it('records nothing for requests of a deployment without shadows', { timeout: 40_000 }, async () => {
    const model = 'adult-income';
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'clear_shadow', version: '2' })).status).toBe(200);
    const unshadowed = await predict<ClassificationPrediction>(model, [manifestOf(model, '1').golden[0]!.instance]);
    // A shadowed request sent after it: once its comparison has landed, the earlier request's would have too.
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'shadow', version: '2', sample_rate: 1 })).status).toBe(200);
    const shadowed = await predict<ClassificationPrediction>(model, [manifestOf(model, '1').golden[0]!.instance]);
    expect(unshadowed.predictions).toEqual(shadowed.predictions);
    expect(await awaitComparisons([shadowed.request_id], 1)).toHaveLength(1);
    expect(await comparisonsOf([unshadowed.request_id])).toEqual([]);
  });
});
