import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { biasStats, canaryStats, profileSnapshot, quantile, qualityStats, shadowStats } from '../../src/monitoring/check-data.ts';
import type { CheckWindow } from '../../src/monitoring/checks/types.ts';
import { manifestOf } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const db = database(d1);

/** Each test uses its own stretch of time, so rows of one test never fall in another's window. */
function windowAt(n: number): CheckWindow {
  const from = 1_000_000_000_000 + n * 100_000_000;
  return { from, to: from + 3_600_000, label: '60m' };
}

interface SampleRow {
  model: string;
  requestId: string;
  instance?: number;
  version?: number;
  role?: string;
  score: number;
  label?: string | null;
  slices?: Record<string, string>;
  createdAt: number;
}

async function insertSamples(rows: SampleRow[]): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms,
       slices, created_at)
     VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?, 1, ?, ?)`,
  );
  await d1.batch(
    rows.map((r) =>
      stmt.bind(
        r.requestId,
        r.instance ?? 0,
        r.model,
        r.version ?? 1,
        r.role ?? 'primary',
        r.score,
        r.label ?? null,
        JSON.stringify(r.slices ?? {}),
        r.createdAt,
      ),
    ),
  );
}

async function insertFeedback(model: string, rows: [requestId: string, label: string, instance?: number][], receivedAt = 0): Promise<void> {
  const stmt = d1.prepare('INSERT INTO feedback (model, request_id, instance, label, received_at) VALUES (?, ?, ?, ?, ?)');
  await d1.batch(rows.map(([id, label, instance]) => stmt.bind(model, id, instance ?? 0, label, receivedAt)));
}

describe('qualityStats (labelled predictions joined with feedback)', () => {
  it('computes AUC by rank sums with ties counted as one half, and accuracy', async () => {
    const w = windowAt(1);
    const model = 'adult-income';
    const manifest = manifestOf(model, '1');
    const at = w.from + 10;
    // Positives score .35, .4, .8; negatives .1, .4. Pairs won: (.35>.1) (.4>.1) (.4=.4: ½) (.8>.1) (.8>.4) = 4.5 of 6.
    await insertSamples([
      { model, requestId: 'q1-a', score: 0.1, label: '<=50K', slices: { sex: 'Female', race: 'White' }, createdAt: at },
      { model, requestId: 'q1-b', score: 0.35, label: '<=50K', slices: { sex: 'Female', race: 'White' }, createdAt: at },
      { model, requestId: 'q1-c', score: 0.4, label: '>50K', slices: { sex: 'Female', race: 'Black' }, createdAt: at },
      { model, requestId: 'q1-d', score: 0.4, label: '>50K', slices: { sex: 'Male', race: 'Black' }, createdAt: at },
      { model, requestId: 'q1-e', score: 0.8, label: '>50K', slices: { sex: 'Male', race: 'White' }, createdAt: at },
      // Not counted: no feedback; the shadow's own row; another version; outside the window.
      { model, requestId: 'q1-nolabel', score: 0.9, label: '>50K', slices: { sex: 'Male' }, createdAt: at },
      { model, requestId: 'q1-a', role: 'shadow', version: 2, score: 0.99, label: '>50K', slices: { sex: 'Female' }, createdAt: at },
      { model, requestId: 'q1-v2', version: 2, score: 0.99, label: '>50K', slices: { sex: 'Female' }, createdAt: at },
      { model, requestId: 'q1-late', score: 0.0, label: '<=50K', slices: { sex: 'Male' }, createdAt: w.to },
    ]);
    await insertFeedback(model, [
      ['q1-a', '<=50K'],
      ['q1-b', '>50K'],
      ['q1-c', '<=50K'],
      ['q1-d', '>50K'],
      ['q1-e', '>50K'],
      ['q1-v2', '<=50K'],
      ['q1-late', '>50K'],
    ]);
    // Feedback for another model with the same request id does not join.
    await insertFeedback('california-housing', [['q1-nolabel', '>50K']]);

    const stats = await qualityStats(db, manifest, model, '1', w);
    expect(stats.overall.n).toBe(5);
    expect(stats.overall.positives).toBe(3);
    expect(stats.overall.metrics.auc).toBeCloseTo(4.5 / 6, 12);
    // Correct: a (<=50K/<=50K), d, e → 3 of 5.
    expect(stats.overall.metrics.accuracy).toBeCloseTo(3 / 5, 12);

    const slice = (feature: string, value: string) => stats.slices.find((s) => s.feature === feature && s.slice === value)?.stats;
    // Female: positive .35 vs negatives .1, .4 → 1 of 2 pairs.
    expect(slice('sex', 'Female')).toMatchObject({ n: 3, positives: 1 });
    expect(slice('sex', 'Female')!.metrics.auc).toBeCloseTo(0.5, 12);
    expect(slice('sex', 'Female')!.metrics.accuracy).toBeCloseTo(1 / 3, 12);
    // Male: two positives, no negative: AUC undefined.
    expect(slice('sex', 'Male')).toMatchObject({ n: 2, positives: 2, metrics: { auc: null, accuracy: 1 } });
    // race: White a(neg .1) b(pos .35) e(pos .8) → 2 of 2; Black c(neg .4) d(pos .4) → tie ½.
    expect(slice('race', 'White')!.metrics.auc).toBeCloseTo(1, 12);
    expect(slice('race', 'Black')!.metrics.auc).toBeCloseTo(0.5, 12);
    expect(stats.slices.map((s) => `${s.feature}=${s.slice}`).sort()).toEqual(['race=Black', 'race=White', 'sex=Female', 'sex=Male']);
  });

  it('computes MAE and RMSE of a regression, overall and per slice (json_extract of the slice label)', async () => {
    const w = windowAt(2);
    const model = 'california-housing';
    const manifest = manifestOf(model, '1');
    const at = w.from + 1000;
    await insertSamples([
      { model, requestId: 'q2-a', score: 100, slices: { ocean_proximity: 'INLAND', latitude: '(-∞, 34]' }, createdAt: at },
      { model, requestId: 'q2-b', score: 200, slices: { ocean_proximity: 'INLAND', latitude: '(34, 36]' }, createdAt: at },
      { model, requestId: 'q2-c', score: 300, slices: { ocean_proximity: 'NEAR BAY', latitude: '(34, 36]' }, createdAt: at },
      { model, requestId: 'q2-c', instance: 1, score: 50, slices: { ocean_proximity: 'NEAR BAY', latitude: '(34, 36]' }, createdAt: at },
    ]);
    await insertFeedback(model, [
      ['q2-a', '110'],
      ['q2-b', '180'],
      ['q2-c', '300'],
      ['q2-c', '90', 1],
    ]);
    const stats = await qualityStats(db, manifest, model, '1', w);
    // |errors| 10, 20, 0, 40.
    expect(stats.overall.n).toBe(4);
    expect(stats.overall.metrics.mae).toBeCloseTo(70 / 4, 9);
    expect(stats.overall.metrics.rmse).toBeCloseTo(Math.sqrt((100 + 400 + 0 + 1600) / 4), 9);
    const slice = (feature: string, value: string) => stats.slices.find((s) => s.feature === feature && s.slice === value)?.stats;
    expect(slice('ocean_proximity', 'INLAND')!.metrics.mae).toBeCloseTo(15, 9);
    expect(slice('ocean_proximity', 'NEAR BAY')!.metrics.mae).toBeCloseTo(20, 9);
    expect(slice('latitude', '(-∞, 34]')).toMatchObject({ n: 1, metrics: { mae: 10 } });
    expect(slice('latitude', '(34, 36]')!.metrics.mae).toBeCloseTo(60 / 3, 9);
  });
});

describe('biasStats', () => {
  it('gives each group its predicted positive rate and, on labelled rows, its true positive rate', async () => {
    const w = windowAt(3);
    const model = 'adult-income';
    const at = w.from + 5;
    const rows: SampleRow[] = [];
    // Female: 4 instances, 1 predicted positive; Male: 5 instances, 3 predicted positive.
    const female = ['<=50K', '<=50K', '<=50K', '>50K'];
    const male = ['>50K', '>50K', '>50K', '<=50K', '<=50K'];
    female.forEach((label, i) =>
      rows.push({ model, requestId: `q3-f${i}`, score: 0.5, label, slices: { sex: 'Female', race: 'White' }, createdAt: at }),
    );
    male.forEach((label, i) =>
      rows.push({ model, requestId: `q3-m${i}`, score: 0.5, label, slices: { sex: 'Male', race: 'White' }, createdAt: at }),
    );
    await insertSamples(rows);
    // Labelled: Female f0 (actual >50K, predicted <=50K), f3 (actual >50K, predicted >50K) → TPR 1/2.
    // Male m0, m1 actual >50K (predicted >50K), m3 actual >50K (predicted <=50K), m4 actual <=50K → TPR 2/3.
    await insertFeedback(model, [
      ['q3-f0', '>50K'],
      ['q3-f3', '>50K'],
      ['q3-m0', '>50K'],
      ['q3-m1', '>50K'],
      ['q3-m3', '>50K'],
      ['q3-m4', '<=50K'],
    ]);
    const stats = await biasStats(db, manifestOf(model, '1'), model, '1', w);
    const sex = stats.find((s) => s.attribute === 'sex')!;
    expect(sex.groups).toEqual([
      { group: 'Female', n: 4, predictedPositiveRate: 0.25, labelledPositives: 2, truePositiveRate: 0.5 },
      { group: 'Male', n: 5, predictedPositiveRate: 0.6, labelledPositives: 3, truePositiveRate: 2 / 3 },
    ]);
    expect(stats.find((s) => s.attribute === 'race')!.groups).toEqual([
      { group: 'White', n: 9, predictedPositiveRate: 4 / 9, labelledPositives: 5, truePositiveRate: 3 / 5 },
    ]);
  });
});

async function insertComparisons(
  model: string,
  createdAt: number,
  rows: { id: string; shadow?: number; absDiff: number | null; agree?: number | null; error?: string | null }[],
): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction,
       shadow_prediction, primary_score, shadow_score, primary_label, shadow_label, signed_diff, abs_diff, label_agree,
       primary_latency_ms, shadow_latency_ms, error, slices, created_at)
     VALUES (?, 0, ?, 1, ?, '{}', NULL, 0, NULL, NULL, NULL, ?, ?, ?, 2, 4, ?, '{}', ?)`,
  );
  await d1.batch(
    rows.map((r) =>
      stmt.bind(r.id, model, r.shadow ?? 2, r.absDiff === null ? null : -r.absDiff, r.absDiff, r.agree ?? null, r.error ?? null, createdAt),
    ),
  );
}

describe('shadowStats and quantile', () => {
  it('gives the nearest-rank p95 of |diff| (19th of 1..20), the mean, the max and the errors', async () => {
    const w = windowAt(4);
    const model = 'q4-model';
    await insertComparisons(model, w.from + 1, [
      ...Array.from({ length: 20 }, (_, i) => ({ id: `q4-${i}`, absDiff: i + 1 })),
      { id: 'q4-err', absDiff: null, error: 'shadow failed' },
    ]);
    const [stats] = await shadowStats(db, model, w, '1');
    expect(stats).toEqual({
      shadowVersion: '2',
      comparisons: 21,
      errors: 1,
      meanAbsDiff: 10.5,
      p95AbsDiff: 19,
      maxAbsDiff: 20,
      meanSignedDiff: -10.5,
      labelAgreement: null,
      meanPrimaryLatencyMs: 2,
      meanShadowLatencyMs: 4,
    });
  });

  it('picks rank ceil(q·n): 20th of 1..21, 1st of one value, null of none', async () => {
    const w = windowAt(5);
    const model = 'q5-model';
    await insertComparisons(
      model,
      w.from + 1,
      Array.from({ length: 21 }, (_, i) => ({ id: `q5-${i}`, absDiff: 21 - i })),
    );
    const where = (extra = sql``) => sql`model = ${model} AND abs_diff IS NOT NULL ${extra}`;
    expect(await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, where(), 0.95)).toBe(20);
    expect(await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, where(), 0.5)).toBe(11);
    expect(await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, where(sql`AND abs_diff = 7`), 0.95)).toBe(7);
    expect(await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, where(sql`AND abs_diff > 100`), 0.95)).toBeNull();
  });

  it('gives label agreement per shadow version for classifiers', async () => {
    const w = windowAt(6);
    const model = 'q6-model';
    await insertComparisons(model, w.from + 1, [
      { id: 'a', absDiff: 0.1, agree: 1 },
      { id: 'b', absDiff: 0.1, agree: 1 },
      { id: 'c', absDiff: 0.5, agree: 0 },
      { id: 'd', absDiff: 0.1, agree: 1 },
      { id: 'a', shadow: 3, absDiff: 0.6, agree: 0 },
    ]);
    const stats = await shadowStats(db, model, w);
    expect(stats.map((s) => [s.shadowVersion, s.comparisons, s.labelAgreement])).toEqual([
      ['2', 4, 0.75],
      ['3', 1, 0],
    ]);
  });
});

describe('canaryStats', () => {
  it("bins logged predictions by the primary's training deciles and reads served/failed counts from the profiles", async () => {
    const w = windowAt(7);
    const model = 'california-housing';
    const primary = manifestOf(model, '1');
    const edges = primary.output.training.bin_edges;
    expect(edges[0]).toBe(92423.375);
    expect(edges[1]).toBe(127991.875);
    expect(edges[9 - 1]).toBe(314895.5);
    const at = w.from + 100;
    await insertSamples([
      { model, requestId: 'q7-a', score: 50_000, createdAt: at },
      { model, requestId: 'q7-b', score: 92_423.375, createdAt: at },
      { model, requestId: 'q7-c', score: 100_000, createdAt: at },
      { model, requestId: 'q7-d', score: 400_000, createdAt: at },
      { model, requestId: 'q7-e', version: 2, role: 'canary', score: 130_000, createdAt: at },
      { model, requestId: 'q7-f', version: 2, role: 'canary', score: 314_895.5, createdAt: at },
      { model, requestId: 'q7-g', version: 2, role: 'canary', score: 314_896, createdAt: at },
      // A shadow's prediction is not the canary's.
      { model, requestId: 'q7-h', version: 2, role: 'shadow', score: 50_000, createdAt: at },
    ]);
    const profile = d1.prepare(
      'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
        'VALUES (?, ?, ?, 60000, ?, ?, 0, 0, 0, 0, NULL, NULL)',
    );
    await d1.batch([
      profile.bind(model, 2, w.from, '__instances__', 90),
      profile.bind(model, 2, w.from + 60_000, '__instances__', 10),
      profile.bind(model, 2, w.from + 60_000, '__errors__', 4),
      profile.bind(model, 1, w.from, '__errors__', 50),
      profile.bind(model, 2, w.to, '__errors__', 50),
    ]);
    const stats = await canaryStats(db, model, primary, '2', w);
    expect(stats).toEqual({
      canaryVersion: '2',
      served: 100,
      errors: 4,
      primaryBins: [2, 1, 0, 0, 0, 0, 0, 0, 0, 1],
      canaryBins: [0, 0, 1, 0, 0, 0, 0, 0, 1, 1],
    });
  });
});

describe('profileSnapshot', () => {
  it("sums a window's buckets per feature (min of mins, max of maxes) and their bins", async () => {
    const w = windowAt(8);
    const model = 'q8-model';
    const profile = d1.prepare(
      'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
        "VALUES (?, 1, ?, 60000, 'x', ?, ?, ?, ?, ?, ?, ?)",
    );
    const bin = d1.prepare(
      `INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count) VALUES (?, 1, ?, 60000, 'x', ?, ?)`,
    );
    await d1.batch([
      profile.bind(model, w.from, 3, 1, 0, 5, 13, 2, 3),
      profile.bind(model, w.from + 60_000, 4, 0, 2, -1, 21, -4, 1),
      profile.bind(model, w.from + 120_000, 2, 2, 0, 0, 0, null, null),
      profile.bind(model, w.from - 60_000, 100, 0, 0, 0, 0, -100, 100),
      bin.bind(model, w.from, '0', 1),
      bin.bind(model, w.from, '1', 1),
      bin.bind(model, w.from + 60_000, '1', 2),
      bin.bind(model, w.from + 60_000, '3', 2),
      bin.bind(model, w.from - 60_000, '3', 100),
    ]);
    const snapshot = await profileSnapshot(db, model, '1', w);
    expect(snapshot.get('x')).toEqual({
      count: 9,
      nulls: 3,
      invalid: 2,
      sum: 4,
      sumSq: 34,
      min: -4,
      max: 3,
      bins: { '0': 1, '1': 3, '3': 2 },
    });
  });
});
