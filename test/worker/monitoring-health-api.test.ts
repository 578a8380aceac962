import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { HealthCheckResult } from '../../src/monitoring/checks/types.ts';
import { adminHeaders, fetchWorker, manifestOf, type ApiError } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'california-housing';

interface RunBody {
  ran_at: string;
  models: { model: string; counts: Record<string, number>; changes: unknown[]; rolled_back: unknown; results: HealthCheckResult[] }[];
}

interface HealthBody {
  model: string;
  status: string;
  checked_at: string | null;
  checks: (HealthCheckResult & { checked_at: string })[];
}

async function runChecks(query: string): Promise<{ status: number; body: RunBody }> {
  const res = await fetchWorker(`/admin/checks/run?${query}`, { method: 'POST', headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as RunBody };
}

async function health(model: string, headers: Record<string, string> = adminHeaders): Promise<{ status: number; body: HealthBody }> {
  const res = await fetchWorker(`/v1/models/${model}/health`, { headers });
  return { status: res.status, body: (await res.json()) as HealthBody };
}

/** Profiles of version 1 in the current minute: median_income shifted to the top deciles, housing_median_age as in training. */
async function seedShiftedProfiles(): Promise<void> {
  const bucket = Math.floor(Date.now() / 60_000) * 60_000;
  const manifest = manifestOf(MODEL, '1');
  const age = manifest.features.find((f) => f.name === 'housing_median_age')!.training as { bin_frequencies: number[] };
  const profile = d1.prepare(
    'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
      'VALUES (?, 1, ?, 60000, ?, ?, 0, 0, 0, 0, NULL, NULL)',
  );
  const bin = d1.prepare(
    `INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count) VALUES (?, 1, ?, 60000, ?, ?, ?)`,
  );
  await d1.batch([
    profile.bind(MODEL, bucket, 'median_income', 1000),
    profile.bind(MODEL, bucket, 'housing_median_age', 1000),
    bin.bind(MODEL, bucket, 'median_income', '8', 400),
    bin.bind(MODEL, bucket, 'median_income', '9', 600),
    ...age.bin_frequencies.map((f, i) => bin.bind(MODEL, bucket, 'housing_median_age', String(i), Math.round(f * 1000))),
  ]);
}

describe('POST /admin/checks/run', () => {
  it('runs every check of one model over the given window and reports each result', async () => {
    const { status, body } = await runChecks(`model=${MODEL}&window=10m`);
    expect(status).toBe(200);
    expect(body.models.map((m) => m.model)).toEqual([MODEL]);
    const [summary] = body.models;
    const checks = new Set(summary!.results.map((r) => r.check));
    for (const check of ['staleness', 'invalid_data', 'invariants', 'skew', 'drift', 'quality', 'bias', 'parity', 'shadow'])
      expect(checks, check).toContain(check);
    for (const r of summary!.results.filter((x) => x.check !== 'staleness' && x.check !== 'parity'))
      expect(r.window, `${r.check} ${r.subject}`).toBe('10m');
    // Trained today, max 180 days; the bundled goldens still match in this Worker; no traffic yet.
    expect(summary!.results.find((r) => r.check === 'staleness')).toMatchObject({ status: 'pass', version: '1' });
    expect(summary!.results.filter((r) => r.check === 'parity').map((r) => [r.subject, r.status])).toEqual([
      ['1', 'pass'],
      ['2', 'pass'],
    ]);
    expect(summary!.results.find((r) => r.check === 'shadow')).toMatchObject({ subject: '2', status: 'insufficient_data' });
    expect(summary!.results.find((r) => r.check === 'bias')).toMatchObject({ status: 'insufficient_data' });
    const total = Object.values(summary!.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(summary!.results.length);
  });

  it('fails skew for the shifted feature only, from the profiles in D1', async () => {
    await seedShiftedProfiles();
    const { body } = await runChecks(`model=${MODEL}&window=10m`);
    const skew = body.models[0]!.results.filter((r) => r.check === 'skew');
    expect(skew.find((r) => r.subject === 'median_income')).toMatchObject({ status: 'fail', threshold: 0.25 });
    expect(skew.find((r) => r.subject === 'housing_median_age')!.status).toBe('pass');
    expect(skew.filter((r) => r.status === 'fail').map((r) => r.subject)).toEqual(['median_income']);
    expect(body.models[0]!.changes).toEqual([expect.objectContaining({ check: 'skew', subject: 'median_income', from: null, to: 'fail' })]);
  });

  it('answers 404 for an unknown model and 400 for a malformed window', async () => {
    const unknown = await fetchWorker('/admin/checks/run?model=no-such-model&window=10m', { method: 'POST', headers: adminHeaders });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ApiError).error.code).toBe('model_not_found');
    for (const window of ['10x', '0m', 'ten', '-5m', '10']) {
      const res = await fetchWorker(`/admin/checks/run?model=${MODEL}&window=${window}`, { method: 'POST', headers: adminHeaders });
      expect(res.status, window).toBe(400);
      expect(((await res.json()) as ApiError).error.details.map((d) => d.field)).toContain('window');
    }
  });

  it('needs the admin token', async () => {
    expect((await fetchWorker(`/admin/checks/run?model=${MODEL}`, { method: 'POST' })).status).toBe(401);
  });
});

describe('GET /v1/models/{model}/health', () => {
  it('needs the admin token', async () => {
    expect((await health(MODEL, {})).status).toBe(401);
    expect((await health(MODEL, { authorization: 'Bearer wrong-token' })).status).toBe(401);
  });

  it('returns the latest result of every check subject after a run, and the worst status', async () => {
    const { body: run } = await runChecks(`model=${MODEL}&window=10m`);
    const results = run.models[0]!.results;
    const { status, body } = await health(MODEL);
    expect(status).toBe(200);
    expect(body.model).toBe(MODEL);
    const key = (r: { check: string; subject: string }) => `${r.check}/${r.subject}`;
    expect(body.checks.map(key).sort()).toEqual(results.map(key).sort());
    for (const r of results) {
      const latest = body.checks.find((c) => key(c) === key(r))!;
      expect(
        { status: latest.status, value: latest.value, threshold: latest.threshold, window: latest.window, version: latest.version },
        key(r),
      ).toEqual({
        status: r.status,
        value: r.value,
        threshold: r.threshold,
        window: r.window,
        version: r.version,
      });
    }
    // All from this run, the newest.
    expect(new Set(body.checks.map((c) => c.checked_at)).size).toBe(1);
    expect(body.checked_at).toBe(body.checks[0]!.checked_at);
    expect(Date.parse(body.checked_at!)).toBeLessThanOrEqual(Date.parse(run.ran_at));
    // The shifted median_income of the previous test still fails skew.
    expect(body.checks.find((c) => key(c) === 'skew/median_income')!.status).toBe('fail');
    expect(body.status).toBe('fail');
  });

  it('answers 404 for an unknown model', async () => {
    expect((await health('no-such-model')).status).toBe(404);
  });
});
