/**
 * GET /v1/models/{model}/reports/shadow against comparisons and feedback seeded in D1. Every expected number
 * is computed here, in plain JS, from the same fixture rows.
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminHeaders, adminJson, expectClose, fetchWorker, manifestOf } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const HOUSING = 'california-housing';
const INCOME = 'adult-income';
const POSITIVE = '>50K';
const NEGATIVE = '<=50K';

interface Comparison {
  model: string;
  id: string;
  instance?: number;
  /** The primary the shadow was compared with (1 unless a test says otherwise). */
  primaryVersion?: number;
  shadowVersion?: number;
  primaryScore: number;
  /** Null when the shadow failed. */
  shadowScore: number | null;
  primaryLabel?: string | null;
  shadowLabel?: string | null;
  primaryLatencyMs: number;
  shadowLatencyMs: number | null;
  error?: string | null;
  slices?: Record<string, string>;
  createdAt: number;
}

/** Inserts comparisons as the telemetry consumer stores them: diffs are shadow - primary, agreement 1/0. */
async function insertComparisons(rows: readonly Comparison[]): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction,
       shadow_prediction, primary_score, shadow_score, primary_label, shadow_label, signed_diff, abs_diff, label_agree,
       primary_latency_ms, shadow_latency_ms, error, slices, created_at)
     VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await d1.batch(
    rows.map((r) => {
      const signed = r.shadowScore === null ? null : r.shadowScore - r.primaryScore;
      const agree = r.primaryLabel != null && r.shadowLabel != null ? Number(r.primaryLabel === r.shadowLabel) : null;
      return stmt.bind(
        r.id,
        r.instance ?? 0,
        r.model,
        r.primaryVersion ?? 1,
        r.shadowVersion ?? 2,
        r.shadowScore === null ? null : '{}',
        r.primaryScore,
        r.shadowScore,
        r.primaryLabel ?? null,
        r.shadowLabel ?? null,
        signed,
        signed === null ? null : Math.abs(signed),
        agree,
        r.primaryLatencyMs,
        r.shadowLatencyMs,
        r.error ?? null,
        JSON.stringify(r.slices ?? {}),
        r.createdAt,
      );
    }),
  );
}

async function insertFeedback(model: string, rows: readonly [requestId: string, label: string][]): Promise<void> {
  const stmt = d1.prepare('INSERT INTO feedback (model, request_id, instance, label, received_at) VALUES (?, ?, 0, ?, ?)');
  await d1.batch(rows.map(([id, label]) => stmt.bind(model, id, label, Date.now())));
}

// ---- independent statistics -------------------------------------------------------------------------------

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / xs.length;
/** Nearest-rank quantile: the ceil(q·n)-th smallest value. */
function nearestRank(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}
/** AUC as the share of (positive, negative) pairs the score orders right, ties counting one half. */
function pairwiseAuc(scores: readonly number[], positive: readonly boolean[]): number {
  let won = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!positive[i]) return;
    scores.forEach((sn, j) => {
      if (positive[j]) return;
      pairs++;
      won += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return won / pairs;
}
/** Sample mean and variance (n - 1) of paired differences, and the z statistic mean / sqrt(var / n). */
function zStatistic(d: readonly number[]): number {
  const m = mean(d);
  const variance = sum(d.map((x) => (x - m) ** 2)) / (d.length - 1);
  return m / Math.sqrt(variance / d.length);
}

// ---- report access -----------------------------------------------------------------------------------------

interface LatencyJson {
  p50_ms: number | null;
  p95_ms: number | null;
  mean_ms: number | null;
}

interface ShadowJson {
  version: string;
  sample_rate: number;
  requests: number;
  errors: number;
  error_rate: number | null;
  differences: Record<string, unknown> & { confusion?: { primary: string; shadow: string; count: number }[] };
  difference_histogram: { lower: number; upper: number; count: number }[];
  latency_ms: { primary: LatencyJson; shadow: LatencyJson };
  by_slice: Record<
    string,
    {
      slice: string | null;
      comparisons: number;
      mean_abs_diff: number | null;
      mean_signed_diff: number | null;
      label_agreement: number | null;
      errors: number;
    }[]
  >;
  quality: {
    labelled_requests: number;
    metric: string;
    primary: Record<string, number | null>;
    shadow: Record<string, number | null>;
    offline: { primary: Record<string, number>; shadow: Record<string, number> | null };
    verdict: string;
    test: {
      verdict: string;
      test: string;
      n: number;
      statistic: number | null;
      p_value: number | null;
      alpha: number;
      explanation: string;
    };
  };
}

interface ShadowReportJson {
  report: string;
  model: string;
  primary_version: string;
  task: string;
  window: { label: string; from: string; to: string };
  shadows: ShadowJson[];
  note?: string;
}

async function shadowReport(model: string, window = '1h'): Promise<ShadowReportJson> {
  const res = await fetchWorker(`/v1/models/${model}/reports/shadow?window=${window}`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return (await res.json()) as ShadowReportJson;
}

async function onlyShadow(model: string): Promise<ShadowJson> {
  const report = await shadowReport(model);
  expect(report.shadows.map((s) => s.version)).toEqual(['2']);
  return report.shadows[0]!;
}

beforeEach(async () => {
  await d1.batch(['shadow_comparisons', 'feedback', 'prediction_samples'].map((t) => d1.prepare(`DELETE FROM ${t}`)));
});

// ---- regression ---------------------------------------------------------------------------------------------

const OCEAN = ['INLAND', 'NEAR BAY', '<1H OCEAN'];
const LATITUDE = ['(-∞, 34]', '(34, 36]'];

/** 25 successful comparisons with varied diffs, 3 failed shadows, and rows the report must ignore. */
function housingFixture(now: number): { rows: Comparison[]; ignored: Comparison[] } {
  const rows: Comparison[] = [];
  for (let i = 0; i < 25; i++) {
    const primaryScore = 100_000 + 1000 * i;
    const diff = (((i * 7919) % 23) - 11) * 500;
    rows.push({
      model: HOUSING,
      id: `h-${i}`,
      primaryScore,
      shadowScore: primaryScore + diff,
      primaryLatencyMs: 2 + (i % 5) + 0.25,
      shadowLatencyMs: 3 + ((i * 3) % 7) + 0.5,
      slices: { ocean_proximity: OCEAN[i % 3]!, latitude: LATITUDE[i % 2]! },
      createdAt: now - 1000 * (i + 1),
    });
  }
  for (let i = 0; i < 3; i++) {
    rows.push({
      model: HOUSING,
      id: `h-err-${i}`,
      primaryScore: 150_000,
      shadowScore: null,
      primaryLatencyMs: 9,
      shadowLatencyMs: null,
      error: 'shadow failed: boom',
      slices: { ocean_proximity: 'INLAND', latitude: LATITUDE[0]! },
      createdAt: now - 500,
    });
  }
  const ignored: Comparison[] = [
    // Outside the 1h window, another shadow version, another model.
    {
      model: HOUSING,
      id: 'h-old',
      primaryScore: 1,
      shadowScore: 1_000_001,
      primaryLatencyMs: 500,
      shadowLatencyMs: 500,
      createdAt: now - 2 * 3_600_000,
    },
    {
      model: HOUSING,
      id: 'h-v3',
      shadowVersion: 3,
      primaryScore: 1,
      shadowScore: 1_000_001,
      primaryLatencyMs: 500,
      shadowLatencyMs: 500,
      createdAt: now - 1000,
    },
    {
      model: 'other-model',
      id: 'h-other',
      primaryScore: 1,
      shadowScore: 1_000_001,
      primaryLatencyMs: 500,
      shadowLatencyMs: 500,
      createdAt: now - 1000,
    },
  ];
  return { rows, ignored };
}

describe('GET /v1/models/{model}/reports/shadow (regression)', () => {
  it('reports request count, errors, the difference summary, latency of each side and the histogram', async () => {
    const now = Date.now();
    const { rows, ignored } = housingFixture(now);
    await insertComparisons([...rows, ...ignored]);

    const report = await shadowReport(HOUSING);
    expect(report).toMatchObject({ report: 'shadow', model: HOUSING, primary_version: '1', task: 'regression', window: { label: '1h' } });
    expect(Date.parse(report.window.to) - Date.parse(report.window.from)).toBe(3_600_000);
    const shadow = report.shadows[0]!;
    expect(report.shadows).toHaveLength(1);
    expect(shadow).toMatchObject({ version: '2', sample_rate: 1, requests: 28, errors: 3 });
    expect(shadow.error_rate).toBeCloseTo(3 / 28, 12);

    const ok = rows.filter((r) => r.shadowScore !== null);
    const signed = ok.map((r) => r.shadowScore! - r.primaryScore);
    const abs = signed.map(Math.abs);
    const d = shadow.differences as Record<string, number>;
    expect(d.measure).toBe('prediction value');
    expectClose(d.mean_abs_diff!, mean(abs));
    expect(d.median_abs_diff).toBe(nearestRank(abs, 0.5));
    expect(d.p95_abs_diff).toBe(nearestRank(abs, 0.95));
    expect(d.max_abs_diff).toBe(Math.max(...abs));
    expectClose(d.mean_signed_diff!, mean(signed));

    // Latency: the primary over all 28 rows, the shadow over the 25 that have a shadow latency.
    const primaryLatency = rows.map((r) => r.primaryLatencyMs);
    const shadowLatency = ok.map((r) => r.shadowLatencyMs!);
    expect(shadow.latency_ms.primary.p50_ms).toBe(nearestRank(primaryLatency, 0.5));
    expect(shadow.latency_ms.primary.p95_ms).toBe(nearestRank(primaryLatency, 0.95));
    expectClose(shadow.latency_ms.primary.mean_ms!, mean(primaryLatency));
    expect(shadow.latency_ms.shadow.p50_ms).toBe(nearestRank(shadowLatency, 0.5));
    expect(shadow.latency_ms.shadow.p95_ms).toBe(nearestRank(shadowLatency, 0.95));
    expectClose(shadow.latency_ms.shadow.mean_ms!, mean(shadowLatency));

    // 20 equal-width bins up to the maximum, the maximum itself in the last.
    const max = Math.max(...abs);
    const width = max / 20;
    const expectedCounts = new Array<number>(20).fill(0);
    for (const a of abs) expectedCounts[Math.min(19, Math.floor(a / width))]!++;
    expect(shadow.difference_histogram).toHaveLength(20);
    expect(shadow.difference_histogram.map((b) => b.count)).toEqual(expectedCounts);
    expect(sum(shadow.difference_histogram.map((b) => b.count))).toBe(25);
    expect(shadow.difference_histogram[0]!.lower).toBe(0);
    expectClose(shadow.difference_histogram[19]!.upper, max);
  });

  it('breaks the differences and errors down by each slice attribute', async () => {
    const now = Date.now();
    const { rows, ignored } = housingFixture(now);
    await insertComparisons([...rows, ...ignored]);
    const shadow = await onlyShadow(HOUSING);
    expect(Object.keys(shadow.by_slice).sort()).toEqual(['latitude', 'ocean_proximity']);

    for (const attribute of ['ocean_proximity', 'latitude']) {
      const groups = [...new Set(rows.map((r) => r.slices![attribute]!))].sort();
      const expected = groups.map((slice) => {
        const inSlice = rows.filter((r) => r.slices![attribute] === slice);
        const withDiff = inSlice.filter((r) => r.shadowScore !== null);
        return {
          slice,
          comparisons: inSlice.length,
          errors: inSlice.length - withDiff.length,
          mean_abs_diff: mean(withDiff.map((r) => Math.abs(r.shadowScore! - r.primaryScore))),
          mean_signed_diff: mean(withDiff.map((r) => r.shadowScore! - r.primaryScore)),
        };
      });
      const actual = shadow.by_slice[attribute]!;
      expect(actual.map((a) => a.slice)).toEqual(expected.map((e) => e.slice));
      actual.forEach((a, i) => {
        const e = expected[i]!;
        expect(a).toMatchObject({ slice: e.slice, comparisons: e.comparisons, errors: e.errors, label_agreement: null });
        expectClose(a.mean_abs_diff!, e.mean_abs_diff);
        expectClose(a.mean_signed_diff!, e.mean_signed_diff);
      });
    }
    expect(sum(shadow.by_slice.ocean_proximity!.map((s) => s.comparisons))).toBe(28);
    expect(shadow.by_slice.ocean_proximity!.find((s) => s.slice === 'INLAND')!.errors).toBe(3);
  });

  it('leaves out comparisons with a former primary, so every number compares the shadow with the current one', async () => {
    const now = Date.now();
    const { rows } = housingFixture(now);
    // Version 3 was the primary earlier in the window (then rolled back to 1); shadow 2 ran beside it.
    const former: Comparison[] = Array.from({ length: 40 }, (_, i) => ({
      model: HOUSING,
      id: `f-${i}`,
      primaryVersion: 3,
      primaryScore: 300_000,
      shadowScore: 300_000 + 90_000 + i,
      primaryLatencyMs: 50,
      shadowLatencyMs: 50,
      slices: { ocean_proximity: 'ISLAND', latitude: LATITUDE[0]! },
      createdAt: now - 2000,
    }));
    await insertComparisons([...rows, ...former]);
    await insertFeedback(
      HOUSING,
      former.map((f) => [f.id, '300000'] as [string, string]),
    );

    const shadow = await onlyShadow(HOUSING);
    const abs = rows.filter((r) => r.shadowScore !== null).map((r) => Math.abs(r.shadowScore! - r.primaryScore));
    expect(shadow).toMatchObject({ requests: 28, errors: 3 });
    expect((shadow.differences as Record<string, number>).max_abs_diff).toBe(Math.max(...abs));
    expectClose((shadow.differences as Record<string, number>).mean_abs_diff!, mean(abs));
    expect(shadow.latency_ms.primary.p95_ms).toBe(
      nearestRank(
        rows.map((r) => r.primaryLatencyMs),
        0.95,
      ),
    );
    expect(sum(shadow.difference_histogram.map((b) => b.count))).toBe(25);
    expect(shadow.by_slice.ocean_proximity!.map((s) => s.slice)).not.toContain('ISLAND');
    // The 40 labelled comparisons were against version 3: none is a pair of versions 1 and 2.
    expect(shadow.quality).toMatchObject({ labelled_requests: 0, verdict: 'insufficient_data' });
  });

  it("gives both versions' MAE and RMSE on the same labelled requests, ignoring failed shadows", async () => {
    const now = Date.now();
    const { rows } = housingFixture(now);
    await insertComparisons(rows);
    // Labels for the first 12 successful comparisons and one failed shadow (which cannot be compared).
    const labelled = rows.slice(0, 12).map((r, i) => ({ row: r, y: r.primaryScore + (i % 2 === 0 ? 3000 : -1500) * (1 + (i % 4)) }));
    await insertFeedback(HOUSING, [...labelled.map((l) => [l.row.id, String(l.y)] as [string, string]), ['h-err-0', '150000']]);

    const shadow = await onlyShadow(HOUSING);
    const primaryErrors = labelled.map((l) => l.row.primaryScore - l.y);
    const shadowErrors = labelled.map((l) => l.row.shadowScore! - l.y);
    expect(shadow.quality.labelled_requests).toBe(12);
    expect(shadow.quality.metric).toBe('mae');
    expectClose(shadow.quality.primary.mae!, mean(primaryErrors.map(Math.abs)));
    expectClose(shadow.quality.shadow.mae!, mean(shadowErrors.map(Math.abs)));
    expectClose(shadow.quality.primary.rmse!, Math.sqrt(mean(primaryErrors.map((e) => e * e))));
    expectClose(shadow.quality.shadow.rmse!, Math.sqrt(mean(shadowErrors.map((e) => e * e))));
    expect(shadow.quality.offline).toEqual({
      primary: manifestOf(HOUSING, '1').training.metrics.overall,
      shadow: manifestOf(HOUSING, '2').training.metrics.overall,
    });
    // 12 pairs are fewer than the test needs.
    expect(shadow.quality.verdict).toBe('insufficient_data');
  });

  describe('verdict (paired z-test on |error(shadow)| - |error(primary)|)', () => {
    /** 40 labelled comparisons: the primary's error `primaryError(i)`, the shadow's `shadowError(i)`. */
    async function seedPairs(n: number, primaryError: (i: number) => number, shadowError: (i: number) => number): Promise<number[]> {
      const now = Date.now();
      const rows: Comparison[] = [];
      const labels: [string, string][] = [];
      const d: number[] = [];
      for (let i = 0; i < n; i++) {
        const y = 200_000 + 1000 * i;
        rows.push({
          model: HOUSING,
          id: `v-${i}`,
          primaryScore: y + primaryError(i),
          shadowScore: y + shadowError(i),
          primaryLatencyMs: 1,
          shadowLatencyMs: 1,
          createdAt: now - 1000 - i,
        });
        labels.push([`v-${i}`, String(y)]);
        d.push(Math.abs(shadowError(i)) - Math.abs(primaryError(i)));
      }
      await insertComparisons(rows);
      await insertFeedback(HOUSING, labels);
      return d;
    }

    it('is shadow_better when the shadow errs clearly less', async () => {
      const d = await seedPairs(
        40,
        (i) => (i % 2 ? 1 : -1) * (8000 + 250 * (i % 7)),
        (i) => (i % 3 ? 1 : -1) * (2000 + 300 * (i % 5)),
      );
      const q = (await onlyShadow(HOUSING)).quality;
      expect(q.labelled_requests).toBe(40);
      expect(q.verdict).toBe('shadow_better');
      expect(q.test).toMatchObject({ verdict: 'shadow_better', n: 40, alpha: 0.05 });
      expect(q.test.test).toMatch(/paired z-test/);
      expectClose(q.test.statistic!, zStatistic(d));
      expect(q.test.statistic!).toBeLessThan(-1.96);
      expect(q.test.p_value!).toBeLessThan(0.05);
      expectClose(q.shadow.mae!, mean(d.map((_, i) => 2000 + 300 * (i % 5))));
      expect(q.shadow.mae!).toBeLessThan(q.primary.mae!);
    });

    it('is shadow_worse when the shadow errs clearly more', async () => {
      const d = await seedPairs(
        40,
        (i) => (i % 3 ? 1 : -1) * (2000 + 300 * (i % 5)),
        (i) => (i % 2 ? 1 : -1) * (8000 + 250 * (i % 7)),
      );
      const q = (await onlyShadow(HOUSING)).quality;
      expect(q.verdict).toBe('shadow_worse');
      expectClose(q.test.statistic!, zStatistic(d));
      expect(q.test.statistic!).toBeGreaterThan(1.96);
      expect(q.test.p_value!).toBeLessThan(0.05);
    });

    it('is no_significant_difference when both versions err by the same amounts', async () => {
      // The shadow mirrors the primary around the label: different predictions, identical absolute errors.
      await seedPairs(
        40,
        (i) => 1000 + 100 * i,
        (i) => -(1000 + 100 * i),
      );
      const q = (await onlyShadow(HOUSING)).quality;
      expect(q.verdict).toBe('no_significant_difference');
      expect(q.test).toMatchObject({ statistic: null, p_value: 1, n: 40 });
      expect(q.primary.mae).toBe(q.shadow.mae);
    });

    it('is no_significant_difference when the differences cancel out (z = 0)', async () => {
      const d = await seedPairs(
        40,
        () => 5000,
        (i) => (i % 2 ? 6000 : 4000),
      );
      expect(mean(d)).toBe(0);
      const q = (await onlyShadow(HOUSING)).quality;
      expect(q.verdict).toBe('no_significant_difference');
      expect(q.test.statistic).toBeCloseTo(0, 9);
      expect(q.test.p_value).toBeCloseTo(1, 6);
    });

    it('is insufficient_data with fewer than 30 labelled pairs', async () => {
      await seedPairs(
        29,
        () => 9000,
        () => 10,
      );
      const q = (await onlyShadow(HOUSING)).quality;
      expect(q.labelled_requests).toBe(29);
      expect(q).toMatchObject({ verdict: 'insufficient_data', test: { statistic: null, p_value: null, n: 29 } });
    });
  });
});

// ---- classification -----------------------------------------------------------------------------------------

const labelOf = (score: number) => (score >= 0.5 ? POSITIVE : NEGATIVE);
const SEX = ['Female', 'Male'];
const RACE = ['White', 'Black', 'Asian-Pac-Islander'];

/** 24 comparisons with scores on a 0.1 grid (so there are ties), 2 failed shadows, labels for 18 of them. */
function incomeFixture(now: number): { rows: Comparison[]; labels: Map<string, string> } {
  const rows: Comparison[] = [];
  for (let i = 0; i < 24; i++) {
    const primaryScore = ((i * 3) % 10) / 10;
    const shadowScore = ((i * 7) % 10) / 10;
    rows.push({
      model: INCOME,
      id: `c-${i}`,
      primaryScore,
      shadowScore,
      primaryLabel: labelOf(primaryScore),
      shadowLabel: labelOf(shadowScore),
      primaryLatencyMs: 1 + (i % 4),
      shadowLatencyMs: 2 + (i % 6),
      slices: { sex: SEX[i % 2]!, race: RACE[i % 3]! },
      createdAt: now - 1000 * (i + 1),
    });
  }
  for (let i = 0; i < 2; i++) {
    rows.push({
      model: INCOME,
      id: `c-err-${i}`,
      primaryScore: 0.9,
      shadowScore: null,
      primaryLabel: POSITIVE,
      shadowLabel: null,
      primaryLatencyMs: 3,
      shadowLatencyMs: null,
      error: 'shadow failed',
      slices: { sex: 'Female', race: 'White' },
      createdAt: now - 700,
    });
  }
  const labels = new Map<string, string>();
  for (let i = 0; i < 18; i++) labels.set(`c-${i}`, (i * 5) % 3 === 0 ? POSITIVE : NEGATIVE);
  labels.set('c-err-0', POSITIVE);
  return { rows, labels };
}

describe('GET /v1/models/{model}/reports/shadow (classification)', () => {
  it('reports label agreement, the mean probability difference and the confusion of labels', async () => {
    const now = Date.now();
    const { rows } = incomeFixture(now);
    await insertComparisons(rows);
    const report = await shadowReport(INCOME);
    expect(report.task).toBe('binary_classification');
    const shadow = report.shadows[0]!;
    expect(shadow).toMatchObject({ requests: 26, errors: 2 });
    expect(shadow.error_rate).toBeCloseTo(2 / 26, 12);

    const ok = rows.filter((r) => r.shadowScore !== null);
    const d = shadow.differences as Record<string, unknown>;
    expect(d.measure).toBe('probability of ">50K"');
    expectClose(d.label_agreement as number, ok.filter((r) => r.primaryLabel === r.shadowLabel).length / ok.length);
    expectClose(d.mean_probability_difference as number, mean(ok.map((r) => Math.abs(r.shadowScore! - r.primaryScore))));
    expectClose(d.mean_signed_probability_difference as number, mean(ok.map((r) => r.shadowScore! - r.primaryScore)));
    expect(d.p95_probability_difference).toBe(
      nearestRank(
        ok.map((r) => Math.abs(r.shadowScore! - r.primaryScore)),
        0.95,
      ),
    );

    const confusion = new Map<string, number>();
    for (const r of ok) confusion.set(`${r.primaryLabel}|${r.shadowLabel}`, (confusion.get(`${r.primaryLabel}|${r.shadowLabel}`) ?? 0) + 1);
    const expected = [...confusion.entries()].map(([k, count]) => ({ primary: k.split('|')[0]!, shadow: k.split('|')[1]!, count }));
    const key = (c: { primary: string; shadow: string }) => `${c.primary}|${c.shadow}`;
    expect([...shadow.differences.confusion!].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(sum(shadow.differences.confusion!.map((c) => c.count))).toBe(24);
    // Every one of the four cells occurs in the fixture.
    expect(shadow.differences.confusion).toHaveLength(4);

    expect(shadow.latency_ms.primary.p95_ms).toBe(
      nearestRank(
        rows.map((r) => r.primaryLatencyMs),
        0.95,
      ),
    );
    expect(shadow.latency_ms.shadow.p50_ms).toBe(
      nearestRank(
        ok.map((r) => r.shadowLatencyMs!),
        0.5,
      ),
    );
    expect(sum(shadow.difference_histogram.map((b) => b.count))).toBe(24);
  });

  it('breaks label agreement down by sex and race', async () => {
    const { rows } = incomeFixture(Date.now());
    await insertComparisons(rows);
    const shadow = await onlyShadow(INCOME);
    expect(Object.keys(shadow.by_slice).sort()).toEqual(['race', 'sex']);
    for (const attribute of ['sex', 'race']) {
      for (const s of shadow.by_slice[attribute]!) {
        const inSlice = rows.filter((r) => r.slices![attribute] === s.slice);
        const ok = inSlice.filter((r) => r.shadowScore !== null);
        expect(s.comparisons).toBe(inSlice.length);
        expect(s.errors).toBe(inSlice.length - ok.length);
        expectClose(s.label_agreement!, ok.filter((r) => r.primaryLabel === r.shadowLabel).length / ok.length);
      }
      expect(sum(shadow.by_slice[attribute]!.map((s) => s.comparisons))).toBe(26);
    }
  });

  it("gives both versions' AUC (ties counted one half) and accuracy on the same labelled requests", async () => {
    const { rows, labels } = incomeFixture(Date.now());
    await insertComparisons(rows);
    await insertFeedback(INCOME, [...labels.entries()]);
    const shadow = await onlyShadow(INCOME);

    const labelled = rows.filter((r) => r.shadowScore !== null && labels.has(r.id));
    const positive = labelled.map((r) => labels.get(r.id) === POSITIVE);
    expect(labelled).toHaveLength(18);
    expect(shadow.quality.labelled_requests).toBe(18);
    expect(shadow.quality.metric).toBe('auc');
    expectClose(
      shadow.quality.primary.auc!,
      pairwiseAuc(
        labelled.map((r) => r.primaryScore),
        positive,
      ),
    );
    expectClose(
      shadow.quality.shadow.auc!,
      pairwiseAuc(
        labelled.map((r) => r.shadowScore!),
        positive,
      ),
    );
    expectClose(shadow.quality.primary.accuracy!, labelled.filter((r) => r.primaryLabel === labels.get(r.id)).length / 18);
    expectClose(shadow.quality.shadow.accuracy!, labelled.filter((r) => r.shadowLabel === labels.get(r.id)).length / 18);
    expect(shadow.quality.offline.shadow).toEqual(manifestOf(INCOME, '2').training.metrics.overall);
  });

  describe("verdict (McNemar's test on the instances exactly one version got right)", () => {
    /** `bothRight` + `onlyPrimary` + `onlyShadow` labelled comparisons. */
    async function seedCorrectness(bothRight: number, onlyPrimary: number, onlyShadow: number): Promise<void> {
      const now = Date.now();
      const rows: Comparison[] = [];
      const labels: [string, string][] = [];
      const kinds = [
        ...Array<string>(bothRight).fill('both'),
        ...Array<string>(onlyPrimary).fill('primary'),
        ...Array<string>(onlyShadow).fill('shadow'),
      ];
      kinds.forEach((kind, i) => {
        const y = i % 2 ? POSITIVE : NEGATIVE;
        const wrong = y === POSITIVE ? NEGATIVE : POSITIVE;
        const primaryLabel = kind === 'shadow' ? wrong : y;
        const shadowLabel = kind === 'primary' ? wrong : y;
        const score = (label: string) => (label === POSITIVE ? 0.8 : 0.2);
        rows.push({
          model: INCOME,
          id: `m-${i}`,
          primaryScore: score(primaryLabel),
          shadowScore: score(shadowLabel),
          primaryLabel,
          shadowLabel,
          primaryLatencyMs: 1,
          shadowLatencyMs: 1,
          createdAt: now - 1000 - i,
        });
        labels.push([`m-${i}`, y]);
      });
      await insertComparisons(rows);
      await insertFeedback(INCOME, labels);
    }

    it('is shadow_better when only the shadow is right clearly more often', async () => {
      await seedCorrectness(23, 2, 15);
      const q = (await onlyShadow(INCOME)).quality;
      expect(q.verdict).toBe('shadow_better');
      expect(q.test).toMatchObject({ n: 40, alpha: 0.05 });
      expect(q.test.test).toMatch(/McNemar/);
      // χ² = (|b - c| - 1)² / (b + c) with b = 2 (only primary right), c = 15 (only shadow right).
      expectClose(q.test.statistic!, (Math.abs(2 - 15) - 1) ** 2 / (2 + 15));
      expect(q.test.p_value!).toBeLessThan(0.05);
      expectClose(q.primary.accuracy!, 25 / 40);
      expectClose(q.shadow.accuracy!, 38 / 40);
    });

    it('is shadow_worse when only the primary is right clearly more often', async () => {
      await seedCorrectness(23, 15, 2);
      const q = (await onlyShadow(INCOME)).quality;
      expect(q.verdict).toBe('shadow_worse');
      expectClose(q.test.statistic!, (Math.abs(15 - 2) - 1) ** 2 / 17);
      expect(q.test.p_value!).toBeLessThan(0.05);
    });

    it('is no_significant_difference when the discordant pairs are balanced', async () => {
      await seedCorrectness(29, 6, 5);
      const q = (await onlyShadow(INCOME)).quality;
      expect(q.verdict).toBe('no_significant_difference');
      // (|6 - 5| - 1)² / 11 = 0.
      expect(q.test.statistic).toBe(0);
      expect(q.test.p_value).toBeCloseTo(1, 6);
    });

    it('is insufficient_data with too few labelled requests', async () => {
      await seedCorrectness(5, 0, 15);
      const q = (await onlyShadow(INCOME)).quality;
      expect(q.labelled_requests).toBe(20);
      expect(q).toMatchObject({ verdict: 'insufficient_data', test: { statistic: null, p_value: null } });
    });
  });
});

describe('GET /v1/models/{model}/reports/shadow without shadows', () => {
  it('says how to add one', async () => {
    expect((await adminJson('POST', `/models/${INCOME}/deployment`, { action: 'clear_shadow', version: '2' })).status).toBe(200);
    try {
      const report = await shadowReport(INCOME);
      expect(report.shadows).toEqual([]);
      expect(report.note).toMatch(/vigil shadow adult-income|vigil shadow <model>/);
    } finally {
      expect((await adminJson('POST', `/models/${INCOME}/deployment`, { action: 'shadow', version: '2', sample_rate: 1 })).status).toBe(
        200,
      );
    }
  });
});
