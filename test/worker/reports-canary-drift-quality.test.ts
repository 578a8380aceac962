/**
 * GET /v1/models/{model}/reports/{canary|drift|quality} against profiles, samples, feedback and health checks
 * seeded in D1. Expected numbers are computed here from the same fixture rows.
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { psi } from '../../src/monitoring/statistics.ts';
import type { Deployment } from '../../src/traffic/deployment.ts';
import { adminHeaders, adminJson, expectClose, fetchWorker, manifestOf } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const HOUSING = 'california-housing';
const INCOME = 'adult-income';
const MINUTE = 60_000;

// ---- seeding ------------------------------------------------------------------------------------------------

interface Sample {
  model: string;
  id: string;
  version: number;
  role: 'primary' | 'canary' | 'shadow' | 'pinned';
  score: number;
  label?: string | null;
  latencyMs?: number;
  slices?: Record<string, string>;
  createdAt: number;
}

async function insertSamples(rows: readonly Sample[]): Promise<void> {
  const stmt = d1.prepare(
    `INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms,
       slices, created_at)
     VALUES (?, 0, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?)`,
  );
  await d1.batch(
    rows.map((r) =>
      stmt.bind(r.id, r.model, r.version, r.role, r.score, r.label ?? null, r.latencyMs ?? 1, JSON.stringify(r.slices ?? {}), r.createdAt),
    ),
  );
}

async function insertFeedback(model: string, rows: readonly [requestId: string, label: string][]): Promise<void> {
  const stmt = d1.prepare('INSERT INTO feedback (model, request_id, instance, label, received_at) VALUES (?, ?, 0, ?, ?)');
  await d1.batch(rows.map(([id, label]) => stmt.bind(model, id, label, Date.now())));
}

interface Profile {
  model: string;
  version: number;
  bucket: number;
  feature: string;
  count: number;
  nulls?: number;
  invalid?: number;
  bins?: Record<string, number>;
}

async function insertProfiles(rows: readonly Profile[]): Promise<void> {
  const profile = d1.prepare(
    'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
      'VALUES (?, ?, ?, 60000, ?, ?, ?, ?, 0, 0, NULL, NULL)',
  );
  const bin = d1.prepare(
    `INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count) VALUES (?, ?, ?, 60000, ?, ?, ?)`,
  );
  await d1.batch(
    rows.flatMap((r) => [
      profile.bind(r.model, r.version, r.bucket, r.feature, r.count, r.nulls ?? 0, r.invalid ?? 0),
      ...Object.entries(r.bins ?? {}).map(([b, n]) => bin.bind(r.model, r.version, r.bucket, r.feature, b, n)),
    ]),
  );
}

const minuteOf = (t: number) => Math.floor(t / MINUTE) * MINUTE;

// ---- independent statistics -----------------------------------------------------------------------------------

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / xs.length;
function nearestRank(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}
const shares = (xs: readonly number[]) => xs.map((x) => x / sum(xs));
/** PSI of `actual` against `expected`, shares floored at 1e-4. */
function psiOf(expected: readonly number[], actual: readonly number[]): number {
  const e = shares(expected);
  const a = shares(actual);
  return sum(
    e.map((ei, i) => {
      const ef = Math.max(ei, 1e-4);
      const af = Math.max(a[i]!, 1e-4);
      return (af - ef) * Math.log(af / ef);
    }),
  );
}
/** Jensen–Shannon divergence in bits. */
function jensenShannonOf(p: readonly number[], q: readonly number[]): number {
  const ps = shares(p);
  const qs = shares(q);
  const kl = (x: number[], m: number[]) => sum(x.map((xi, i) => (xi > 0 ? xi * Math.log2(xi / m[i]!) : 0)));
  const m = ps.map((pi, i) => (pi + qs[i]!) / 2);
  return 0.5 * kl(ps, m) + 0.5 * kl(qs, m);
}
/** The decile bin of a value: the first edge it does not exceed, or past the last. */
function binOf(edges: readonly number[], value: number): number {
  const i = edges.findIndex((e) => value <= e);
  return i === -1 ? edges.length : i;
}
const grade = (value: number, warn: number, fail: number) => (value > fail ? 'fail' : value > warn ? 'warn' : 'pass');

// ---- report access ------------------------------------------------------------------------------------------

async function report<T>(model: string, kind: string, window = '1h'): Promise<T> {
  const res = await fetchWorker(`/v1/models/${model}/reports/${kind}?window=${window}`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function deployment(model: string): Promise<Deployment> {
  return (await adminJson<Deployment>('GET', `/models/${model}/deployment`)).body;
}

async function clearCanary(model: string): Promise<void> {
  if ((await deployment(model)).canary)
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'clear_canary' })).status).toBe(200);
}

beforeEach(async () => {
  await d1.batch(
    ['feature_profiles', 'profile_bins', 'prediction_samples', 'feedback', 'health_checks', 'shadow_comparisons'].map((t) =>
      d1.prepare(`DELETE FROM ${t}`),
    ),
  );
});

// ---- canary ---------------------------------------------------------------------------------------------------

interface LatencyJson {
  samples: number;
  p50_ms: number | null;
  p95_ms: number | null;
  mean_ms: number | null;
}
interface VersionSummaryJson {
  version: string;
  instances: number;
  rejected: number;
  errors: number;
  error_rate: number | null;
  latency_ms: LatencyJson;
  quality: { n: number; metrics: Record<string, number | null> };
  offline_metrics: Record<string, number>;
}
interface CanaryReportJson {
  report: string;
  model: string;
  primary_version: string;
  canary: { version: string; percent: number } | null;
  note?: string;
  traffic_share?: { primary: number | null; canary: number | null; configured_canary_percent: number };
  primary?: VersionSummaryJson;
  candidate?: VersionSummaryJson;
  prediction_distribution?: { bins: number; bin_edges: number[]; measure: string; primary: number[]; canary: number[]; psi: number | null };
  health_history: {
    checked_at: string;
    version: string | null;
    subject: string;
    status: string;
    value: number | null;
    threshold: number | null;
  }[];
  canary_events: { action: string; after: Deployment }[];
}

describe('GET /v1/models/{model}/reports/canary', () => {
  it('says how to start a canary when none runs', async () => {
    await clearCanary(HOUSING);
    const r = await report<CanaryReportJson>(HOUSING, 'canary');
    expect(r).toMatchObject({ report: 'canary', model: HOUSING, primary_version: '1', canary: null });
    expect(r.note).toMatch(/vigil canary/);
    expect(r.primary).toBeUndefined();
  });

  it(
    'compares primary and canary: ' + 'traffic share, errors, latency, prediction distribution with PSI, quality and health history',
    async () => {
      const set = await adminJson('POST', `/models/${HOUSING}/deployment`, {
        action: 'canary',
        version: '2',
        percent: 20,
        reason: 'try 2',
      });
      expect(set.status).toBe(200);
      try {
        const now = Date.now();
        const bucket = minuteOf(now - 5 * MINUTE);
        await insertProfiles([
          { model: HOUSING, version: 1, bucket, feature: '__instances__', count: 400, invalid: 6 },
          { model: HOUSING, version: 1, bucket: bucket - MINUTE, feature: '__instances__', count: 20 },
          { model: HOUSING, version: 1, bucket, feature: '__errors__', count: 2 },
          { model: HOUSING, version: 2, bucket, feature: '__instances__', count: 100, invalid: 1 },
          { model: HOUSING, version: 2, bucket, feature: '__errors__', count: 3 },
          // Before the 1h window: not counted.
          { model: HOUSING, version: 2, bucket: minuteOf(now - 2 * 3_600_000), feature: '__errors__', count: 50 },
          { model: HOUSING, version: 2, bucket: minuteOf(now - 2 * 3_600_000), feature: '__instances__', count: 50 },
        ]);

        const edges = manifestOf(HOUSING, '1').output.training.bin_edges;
        const primarySamples: Sample[] = Array.from({ length: 30 }, (_, i) => ({
          model: HOUSING,
          id: `p-${i}`,
          version: 1,
          role: 'primary',
          score: 60_000 + 11_000 * i,
          latencyMs: 1 + (i % 7) * 0.5,
          createdAt: now - 1000 * (i + 1),
        }));
        const canarySamples: Sample[] = Array.from({ length: 20 }, (_, i) => ({
          model: HOUSING,
          id: `k-${i}`,
          version: 2,
          role: 'canary',
          score: 200_000 + 9_000 * i,
          latencyMs: 2 + (i % 5),
          createdAt: now - 1000 * (i + 1),
        }));
        // A shadow's logged prediction of version 2 is not the canary's.
        const shadowSample: Sample = {
          model: HOUSING,
          id: 'p-0',
          version: 2,
          role: 'shadow',
          score: 1,
          latencyMs: 999,
          createdAt: now - 1000,
        };
        await insertSamples([...primarySamples, ...canarySamples, shadowSample]);
        const primaryLabels = primarySamples.slice(0, 10).map((s, i) => [s.id, String(s.score + 4000 * (i - 5))] as [string, string]);
        const canaryLabels = canarySamples.slice(0, 8).map((s, i) => [s.id, String(s.score - 3000 * i)] as [string, string]);
        await insertFeedback(HOUSING, [...primaryLabels, ...canaryLabels]);

        const check = d1.prepare(
          'INSERT INTO health_checks (model, version, "check", subject, status, value, threshold, window, details, created_at) ' +
            "VALUES (?, ?, ?, ?, ?, ?, ?, '60m', '{}', ?)",
        );
        await d1.batch([
          check.bind(HOUSING, 2, 'canary', '2:error_rate', 'pass', 0.001, 0.01, now - 10 * MINUTE),
          check.bind(HOUSING, 2, 'canary', '2:divergence', 'warn', 0.15, 0.25, now - 10 * MINUTE),
          check.bind(HOUSING, 2, 'canary', '2:error_rate', 'fail', 0.03, 0.01, now - 5 * MINUTE),
          check.bind(HOUSING, 1, 'skew', 'median_income', 'pass', 0.01, 0.25, now - 5 * MINUTE),
        ]);

        const r = await report<CanaryReportJson>(HOUSING, 'canary');
        expect(r.canary).toEqual({ version: '2', percent: 20 });

        // Traffic: 420 served by the primary, 100 by the canary.
        expect(r.traffic_share!.configured_canary_percent).toBe(20);
        expectClose(r.traffic_share!.primary!, 420 / 520);
        expectClose(r.traffic_share!.canary!, 100 / 520);
        expect(r.primary).toMatchObject({ version: '1', instances: 420, rejected: 6, errors: 2 });
        expect(r.candidate).toMatchObject({ version: '2', instances: 100, rejected: 1, errors: 3 });
        expectClose(r.primary!.error_rate!, 2 / 422);
        expectClose(r.candidate!.error_rate!, 3 / 103);

        // Latency from the logged samples of each role.
        for (const [side, samples] of [
          [r.primary!, primarySamples],
          [r.candidate!, canarySamples],
        ] as const) {
          const latencies = samples.map((s) => s.latencyMs!);
          expect(side.latency_ms.samples).toBe(samples.length);
          expect(side.latency_ms.p50_ms).toBe(nearestRank(latencies, 0.5));
          expect(side.latency_ms.p95_ms).toBe(nearestRank(latencies, 0.95));
          expectClose(side.latency_ms.mean_ms!, mean(latencies));
        }

        // Quality on the labelled samples of each version.
        const mae = (samples: readonly Sample[], labels: readonly [string, string][]) =>
          mean(labels.map(([id, y]) => Math.abs(samples.find((s) => s.id === id)!.score - Number(y))));
        expect(r.primary!.quality.n).toBe(10);
        expectClose(r.primary!.quality.metrics.mae!, mae(primarySamples, primaryLabels));
        expect(r.candidate!.quality.n).toBe(8);
        expectClose(r.candidate!.quality.metrics.mae!, mae(canarySamples, canaryLabels));
        expect(r.primary!.offline_metrics).toEqual(manifestOf(HOUSING, '1').training.metrics.overall);
        expect(r.candidate!.offline_metrics).toEqual(manifestOf(HOUSING, '2').training.metrics.overall);

        // Prediction distributions over the primary's training deciles, and their PSI.
        const primaryBins = new Array<number>(edges.length + 1).fill(0);
        const canaryBins = new Array<number>(edges.length + 1).fill(0);
        for (const s of primarySamples) primaryBins[binOf(edges, s.score)]!++;
        for (const s of canarySamples) canaryBins[binOf(edges, s.score)]!++;
        const dist = r.prediction_distribution!;
        expect(dist).toMatchObject({ bins: 10, bin_edges: edges, measure: 'prediction value', primary: primaryBins, canary: canaryBins });
        expect(sum(dist.primary)).toBe(30);
        expect(sum(dist.canary)).toBe(20);
        expectClose(dist.psi!, psiOf(primaryBins, canaryBins));
        expectClose(dist.psi!, psi(primaryBins, canaryBins));

        // The canary check's history, newest first; other checks are not part of it.
        expect(r.health_history.map((h) => [h.subject, h.status, h.value, h.threshold, h.version])).toEqual([
          ['2:error_rate', 'fail', 0.03, 0.01, '2'],
          ['2:divergence', 'warn', 0.15, 0.25, '2'],
          ['2:error_rate', 'pass', 0.001, 0.01, '2'],
        ]);
        expect(r.health_history[0]!.checked_at).toBe(new Date(now - 5 * MINUTE).toISOString());
        expect(r.canary_events[0]).toMatchObject({ action: 'canary', after: { canary: { version: '2', percent: 20 } } });
      } finally {
        await clearCanary(HOUSING);
      }
    },
  );

  it('leaves PSI out while either side has no logged predictions', async () => {
    expect((await adminJson('POST', `/models/${HOUSING}/deployment`, { action: 'canary', version: '2', percent: 20 })).status).toBe(200);
    try {
      await insertSamples([
        { model: HOUSING, id: 'only-primary', version: 1, role: 'primary', score: 100_000, createdAt: Date.now() - 1000 },
      ]);
      const r = await report<CanaryReportJson>(HOUSING, 'canary');
      expect(r.prediction_distribution!.psi).toBeNull();
      expect(r.traffic_share).toMatchObject({ primary: null, canary: null });
      expect(r.primary!.error_rate).toBeNull();
    } finally {
      await clearCanary(HOUSING);
    }
  });
});

// ---- drift ----------------------------------------------------------------------------------------------------

interface DriftFeatureJson {
  feature: string;
  kind: 'numeric' | 'categorical';
  bin_edges?: number[];
  skew: { status: string; value: number | null; warn?: number; fail: number | null; measure: string | null };
  drift: { status: string; value: number | null; warn?: number; fail: number | null };
  histogram: { categories?: string[]; training: number[] | null; current: number[] | null; previous: number[] | null };
  observations: number;
}
interface DriftReportJson {
  report: string;
  version: string;
  window: { label: string; from: string; to: string };
  previous_window: { label: string; from: string; to: string };
  features: DriftFeatureJson[];
}

describe('GET /v1/models/{model}/reports/drift', () => {
  const manifest = manifestOf(HOUSING, '1');
  const numericFeature = manifest.features.find((f) => f.name === 'median_income')!;
  const categoricalFeature = manifest.features.find((f) => f.name === 'ocean_proximity')!;
  if (!('bin_frequencies' in numericFeature.training) || !('category_frequencies' in categoricalFeature.training))
    throw new Error('unexpected manifest');
  const trainingBins = numericFeature.training.bin_frequencies;
  const trainingCategories = categoricalFeature.training.category_frequencies;

  const currentIncome = [40, 30, 20, 20, 20, 20, 20, 10, 10, 10];
  const previousIncome = [18, 18, 18, 18, 18, 18, 18, 18, 18, 18];
  // ISLAND is in training but in neither window; NEAR BAY only now, NEAR OCEAN only before.
  const currentOcean = { '<1H OCEAN': 60, INLAND: 70, 'NEAR BAY': 20 };
  const previousOcean = { '<1H OCEAN': 50, INLAND: 40, 'NEAR OCEAN': 30 };

  async function seedDrift(now: number): Promise<void> {
    const current = minuteOf(now - 10 * MINUTE);
    const previous = minuteOf(now - 90 * MINUTE);
    const toBins = (counts: readonly number[]) => Object.fromEntries(counts.map((n, i) => [String(i), n]));
    await insertProfiles([
      { model: HOUSING, version: 1, bucket: current, feature: 'median_income', count: 205, nulls: 5, bins: toBins(currentIncome) },
      { model: HOUSING, version: 1, bucket: previous, feature: 'median_income', count: 180, bins: toBins(previousIncome) },
      { model: HOUSING, version: 1, bucket: current, feature: 'ocean_proximity', count: 150, bins: currentOcean },
      { model: HOUSING, version: 1, bucket: previous, feature: 'ocean_proximity', count: 120, bins: previousOcean },
      // Another version's profile is not the primary's.
      { model: HOUSING, version: 2, bucket: current, feature: 'median_income', count: 1000, bins: { '9': 1000 } },
    ]);
  }

  it('reports skew against training and drift against the previous window for a numeric feature (PSI)', async () => {
    await clearCanary(HOUSING);
    await seedDrift(Date.now());
    const r = await report<DriftReportJson>(HOUSING, 'drift');
    expect(r).toMatchObject({ report: 'drift', version: '1', window: { label: '1h' } });
    expect(Date.parse(r.window.from) - Date.parse(r.previous_window.from)).toBe(3_600_000);

    const income = r.features.find((f) => f.feature === 'median_income')!;
    const skew = psiOf(trainingBins, currentIncome);
    const drift = psiOf(previousIncome, currentIncome);
    expect(income.kind).toBe('numeric');
    expect(income.bin_edges).toEqual('bin_edges' in numericFeature.training ? numericFeature.training.bin_edges : null);
    expect(income.observations).toBe(200);
    expect(income.skew.measure).toBe('psi');
    expect(income.skew.value!).toBeCloseTo(skew, 5);
    expect(income.skew.status).toBe(grade(skew, 0.1, 0.25));
    expect(income.drift.value!).toBeCloseTo(drift, 5);
    expect(income.drift.status).toBe(grade(drift, 0.1, 0.25));
    expect(income.histogram.training).toEqual(trainingBins);
    expect(income.histogram.current).toEqual(currentIncome);
    expect(income.histogram.previous).toEqual(previousIncome);
  });

  it('reports skew and drift of a categorical feature (Jensen–Shannon), with histograms aligned on one category list', async () => {
    await seedDrift(Date.now());
    const r = await report<DriftReportJson>(HOUSING, 'drift');
    const ocean = r.features.find((f) => f.feature === 'ocean_proximity')!;
    expect(ocean.kind).toBe('categorical');
    expect(ocean.skew.measure).toBe('jensen_shannon');

    const categories = Object.keys(trainingCategories).sort();
    expect(ocean.histogram.categories).toEqual(categories);
    const at = (counts: Record<string, number>) => categories.map((c) => counts[c] ?? 0);
    expect(ocean.histogram.training).toEqual(at(trainingCategories));
    expect(ocean.histogram.current).toEqual(at(currentOcean));
    expect(ocean.histogram.previous).toEqual(at(previousOcean));

    const skew = jensenShannonOf(at(trainingCategories), at(currentOcean));
    const drift = jensenShannonOf(at(previousOcean), at(currentOcean));
    expect(ocean.skew.value!).toBeCloseTo(skew, 5);
    expect(ocean.skew.status).toBe(grade(skew, 0.02, 0.05));
    expect(ocean.drift.value!).toBeCloseTo(drift, 5);
    expect(ocean.drift.status).toBe(grade(drift, 0.02, 0.05));
  });

  it('lists every feature and the prediction, each with its kind, even without traffic', async () => {
    const r = await report<DriftReportJson>(HOUSING, 'drift');
    expect(r.features.map((f) => f.feature)).toEqual([...manifest.features.map((f) => f.name), 'prediction']);
    for (const f of r.features) {
      expect(f.skew.status).toBe('insufficient_data');
      expect(f.drift.status).toBe('insufficient_data');
      expect(f.kind).toBe(f.feature === 'ocean_proximity' ? 'categorical' : 'numeric');
    }
    expect(r.features.find((f) => f.feature === 'prediction')!.bin_edges).toEqual(manifest.output.training.bin_edges);
  });
});

// ---- quality --------------------------------------------------------------------------------------------------

interface QualityReportJson {
  report: string;
  version: string;
  metric: string;
  higher_is_better: boolean;
  overall: {
    labelled: number;
    serving: Record<string, number | null>;
    offline: Record<string, number>;
    status: string;
    degradation: number | null;
  };
  over_time: { bucket: string; points: { from: string; labelled: number; value: number | null }[] };
  slices: {
    feature: string;
    slice: string;
    labelled: number;
    serving: number | null;
    offline: number | null;
    degradation: number | null;
    status: string;
  }[];
  bias: ({ attribute: string; status: string; gap_increase: number | null } & Record<string, unknown>)[];
}

describe('GET /v1/models/{model}/reports/quality', () => {
  /** 120 labelled primary samples in three stretches of time, over two ocean slices and two latitude bands. */
  function housingSamples(now: number): { samples: Sample[]; labels: Map<string, number> } {
    const samples: Sample[] = [];
    const labels = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const id = `q-${i}`;
      const ocean = i % 3 === 0 ? 'NEAR BAY' : 'INLAND';
      const latitude = i % 2 === 0 ? '(34, 36]' : '(36, 38]';
      const y = 150_000 + 1000 * i;
      const error = (ocean === 'INLAND' ? 30_000 : 70_000) + 500 * (i % 9);
      const age = [2, 23, 47][i % 3]! * MINUTE + i * 10;
      samples.push({
        model: HOUSING,
        id,
        version: 1,
        role: i % 10 === 0 ? 'pinned' : 'primary',
        score: y + (i % 2 ? error : -error),
        slices: { ocean_proximity: ocean, latitude },
        createdAt: now - age,
      });
      labels.set(id, y);
    }
    return { samples, labels };
  }

  it('reports the overall metric against the offline one, per slice, and over time in 10-minute buckets', async () => {
    await clearCanary(HOUSING);
    const now = Date.now();
    const { samples, labels } = housingSamples(now);
    // Not part of the primary's quality: a shadow's prediction, an unlabelled sample, another version.
    const others: Sample[] = [
      { model: HOUSING, id: 'q-0', version: 2, role: 'shadow', score: 0, createdAt: now - MINUTE },
      { model: HOUSING, id: 'q-unlabelled', version: 1, role: 'primary', score: 0, createdAt: now - MINUTE },
    ];
    await insertSamples([...samples, ...others]);
    await insertFeedback(
      HOUSING,
      [...labels.entries()].map(([id, y]) => [id, String(y)]),
    );

    const r = await report<QualityReportJson>(HOUSING, 'quality');
    const manifest = manifestOf(HOUSING, '1');
    const offline = manifest.training.metrics.overall.mae!;
    const absError = (s: Sample) => Math.abs(s.score - labels.get(s.id)!);
    const mae = mean(samples.map(absError));
    expect(r).toMatchObject({ report: 'quality', version: '1', metric: 'mae', higher_is_better: false });
    expect(r.overall.labelled).toBe(120);
    expectClose(r.overall.serving.mae!, mae);
    expect(r.overall.offline).toEqual(manifest.training.metrics.overall);
    const degradation = (mae - offline) / offline;
    expect(r.overall.degradation!).toBeCloseTo(degradation, 5);
    expect(r.overall.status).toBe(grade(degradation, 0.05, 0.1));

    // Slices: 40 NEAR BAY, 80 INLAND; 60 per latitude band — each judged against its offline MAE.
    const expectedSlices = [
      ['ocean_proximity', 'INLAND', (s: Sample) => s.slices!.ocean_proximity === 'INLAND'],
      ['ocean_proximity', 'NEAR BAY', (s: Sample) => s.slices!.ocean_proximity === 'NEAR BAY'],
      ['latitude', '(34, 36]', (s: Sample) => s.slices!.latitude === '(34, 36]'],
      ['latitude', '(36, 38]', (s: Sample) => s.slices!.latitude === '(36, 38]'],
    ] as const;
    expect(r.slices).toHaveLength(4);
    for (const [feature, slice, member] of expectedSlices) {
      const inSlice = samples.filter(member);
      const serving = mean(inSlice.map(absError));
      const sliceOffline = manifest.training.metrics.slices.find((m) => m.feature === feature && m.slice === slice)!.metrics.mae!;
      const got = r.slices.find((s) => s.feature === feature && s.slice === slice)!;
      expect(got.labelled).toBe(inSlice.length);
      expectClose(got.serving!, serving);
      expect(got.offline).toBe(sliceOffline);
      expect(got.degradation!).toBeCloseTo((serving - sliceOffline) / sliceOffline, 5);
      expect(got.status).toBe(grade((serving - sliceOffline) / sliceOffline, 0.05, 0.1));
    }

    // Over time: 10-minute buckets aligned to the epoch.
    expect(r.over_time.bucket).toBe('10m');
    const buckets = new Map<number, Sample[]>();
    for (const s of samples) {
      const b = Math.floor(s.createdAt / 600_000) * 600_000;
      buckets.set(b, [...(buckets.get(b) ?? []), s]);
    }
    const expectedPoints = [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([b, ss]) => ({ from: new Date(b).toISOString(), labelled: ss.length, value: mean(ss.map(absError)) }));
    expect(r.over_time.points.map((p) => [p.from, p.labelled])).toEqual(expectedPoints.map((p) => [p.from, p.labelled]));
    r.over_time.points.forEach((p, i) => expectClose(p.value!, expectedPoints[i]!.value));
    expect(sum(r.over_time.points.map((p) => p.labelled))).toBe(120);
  });

  it('sizes the over-time buckets to the window: 1h buckets for 24h, 1d buckets for 7d', async () => {
    const now = Date.now();
    const { samples, labels } = housingSamples(now);
    await insertSamples(samples);
    await insertFeedback(
      HOUSING,
      [...labels.entries()].map(([id, y]) => [id, String(y)]),
    );
    const day = await report<QualityReportJson>(HOUSING, 'quality', '24h');
    expect(day.over_time.bucket).toBe('1h');
    const hours = new Map<string, number>();
    for (const s of samples) {
      const from = new Date(Math.floor(s.createdAt / 3_600_000) * 3_600_000).toISOString();
      hours.set(from, (hours.get(from) ?? 0) + 1);
    }
    expect(day.over_time.points.map((p) => [p.from, p.labelled])).toEqual([...hours.entries()].sort(([a], [b]) => a.localeCompare(b)));
    const week = await report<QualityReportJson>(HOUSING, 'quality', '7d');
    expect(week.over_time.bucket).toBe('1d');
    expect(sum(week.over_time.points.map((p) => p.labelled))).toBe(120);
    for (const p of week.over_time.points) expect(Date.parse(p.from) % 86_400_000).toBe(0);
  });

  it('reports bias across protected attributes for adult-income: rate gaps against training', async () => {
    const now = Date.now();
    const samples: Sample[] = [];
    const labels: [string, string][] = [];
    // Female: 40 instances, 4 predicted positive (rate 0.1); 30 labelled positive, 3 of them predicted positive (TPR 0.1).
    // Male: 50 instances, 20 predicted positive (rate 0.4); 32 labelled positive, 16 of them predicted positive (TPR 0.5).
    const group = (sex: string, n: number, predictedPositive: number, labelledPositive: number, truePositive: number) => {
      for (let i = 0; i < n; i++) {
        const id = `b-${sex}-${i}`;
        // The first `truePositive` are labelled and predicted positive, the next predicted positive only.
        const predicted =
          i < truePositive || (i >= labelledPositive && i < labelledPositive + predictedPositive - truePositive) ? '>50K' : '<=50K';
        samples.push({
          model: INCOME,
          id,
          version: 1,
          role: 'primary',
          score: predicted === '>50K' ? 0.9 : 0.1,
          label: predicted,
          slices: { sex, race: 'White' },
          createdAt: now - 1000 - i,
        });
        if (i < labelledPositive) labels.push([id, '>50K']);
      }
    };
    group('Female', 40, 4, 30, 3);
    group('Male', 50, 20, 32, 16);
    await insertSamples(samples);
    await insertFeedback(INCOME, labels);

    const r = await report<QualityReportJson>(INCOME, 'quality');
    expect(r.metric).toBe('auc');
    const training = manifestOf(INCOME, '1').training.metrics.slices;
    const trainingRate = (sex: string, metric: string) => training.find((m) => m.feature === 'sex' && m.slice === sex)!.metrics[metric]!;
    const rateGap = 20 / 50 - 4 / 40;
    const tprGap = 16 / 32 - 3 / 30;
    const trainingRateGap = trainingRate('Male', 'predicted_positive_rate') - trainingRate('Female', 'predicted_positive_rate');
    const trainingTprGap = trainingRate('Male', 'true_positive_rate') - trainingRate('Female', 'true_positive_rate');
    const increase = Math.max(rateGap - trainingRateGap, tprGap - trainingTprGap);

    const sex = r.bias.find((b) => b.attribute === 'sex')!;
    expect(sex.positive_rate_gap as number).toBeCloseTo(rateGap, 5);
    expect(sex.true_positive_rate_gap as number).toBeCloseTo(tprGap, 5);
    expect(sex.training_positive_rate_gap as number).toBeCloseTo(trainingRateGap, 5);
    expect(sex.training_true_positive_rate_gap as number).toBeCloseTo(trainingTprGap, 5);
    expect(sex.gap_increase!).toBeCloseTo(increase, 5);
    expect(sex.status).toBe(grade(increase, 0.05, 0.1));
    expect(sex.groups).toEqual([
      { group: 'Female', n: 40, predictedPositiveRate: 0.1, labelledPositives: 30, truePositiveRate: 0.1 },
      { group: 'Male', n: 50, predictedPositiveRate: 0.4, labelledPositives: 32, truePositiveRate: 0.5 },
    ]);
    // One race group only: no gap to judge.
    expect(r.bias.find((b) => b.attribute === 'race')).toMatchObject({ status: 'insufficient_data', gap_increase: null });
    // 62 labels, all positive: AUC is undefined and the overall quality is not judged.
    expect(r.overall).toMatchObject({ labelled: 62, status: 'insufficient_data' });
    expect(r.overall.serving.auc).toBeNull();
  });
});
