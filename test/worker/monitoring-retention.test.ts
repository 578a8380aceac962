import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { database } from '../../src/db/client.ts';
import type { Env } from '../../src/env.ts';
import worker from '../../src/index.ts';
import { applyRetention, rollUpProfiles } from '../../src/monitoring/retention.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const db = database(d1);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 27, 3, 17);

async function clear(): Promise<void> {
  await d1.batch(
    ['prediction_samples', 'shadow_comparisons', 'feedback', 'feature_profiles', 'profile_bins', 'telemetry_batches'].map((t) =>
      d1.prepare(`DELETE FROM ${t}`),
    ),
  );
}

async function insertSamples(model: string, createdAt: readonly number[]): Promise<void> {
  const stmt = d1.prepare(
    'INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms, ' +
      "slices, created_at) VALUES (?, 0, ?, 1, 'primary', '{}', '{}', 0, NULL, 1, '{}', ?)",
  );
  await d1.batch(createdAt.map((at, i) => stmt.bind(`${model}-${i}`, model, at)));
}

async function count(sql: string, ...params: unknown[]): Promise<number> {
  return (await d1
    .prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;
}

interface ProfileSeed {
  bucket: number;
  bucketMs?: number;
  feature?: string;
  count: number;
  nulls?: number;
  sum?: number;
  min: number | null;
  max: number | null;
  bins?: Record<string, number>;
}

async function insertProfiles(model: string, rows: ProfileSeed[]): Promise<void> {
  const profile = d1.prepare(
    'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
      'VALUES (?, 1, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)',
  );
  const bin = d1.prepare(`INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count) VALUES (?, 1, ?, ?, ?, ?, ?)`);
  const statements = rows.flatMap((r) => [
    profile.bind(
      model,
      r.bucket,
      r.bucketMs ?? MINUTE,
      r.feature ?? 'x',
      r.count,
      r.nulls ?? 0,
      r.sum ?? r.count,
      (r.sum ?? r.count) * 2,
      r.min,
      r.max,
    ),
    ...Object.entries(r.bins ?? {}).map(([b, n]) => bin.bind(model, r.bucket, r.bucketMs ?? MINUTE, r.feature ?? 'x', b, n)),
  ]);
  await d1.batch(statements);
}

describe('applyRetention', () => {
  beforeEach(clear);

  it('deletes raw rows older than the retention in bounded batches and keeps newer ones', async () => {
    const old = Array.from({ length: 7 }, (_, i) => NOW - 31 * DAY - i * MINUTE);
    const recent = [NOW - 29 * DAY, NOW - HOUR];
    await insertSamples('ret', [...old, ...recent]);

    // Batches of 3, at most 2 per run: 6 of the 7 old rows go now, the last one on the next run.
    const first = await applyRetention(db, { now: NOW, retentionDays: 30, profileRetentionDays: 400, batchSize: 3, maxBatches: 2 });
    expect(first.deleted.prediction_samples).toBe(6);
    expect(await count('SELECT count(*) AS n FROM prediction_samples')).toBe(3);
    const second = await applyRetention(db, { now: NOW, retentionDays: 30, profileRetentionDays: 400, batchSize: 3, maxBatches: 2 });
    expect(second.deleted.prediction_samples).toBe(1);
    const { results } = await d1.prepare('SELECT created_at FROM prediction_samples ORDER BY created_at').all<{ created_at: number }>();
    expect(results.map((r) => r.created_at)).toEqual(recent);
  });

  it('keeps aggregate profiles far longer than raw rows', async () => {
    await insertSamples('ret-long', [NOW - 40 * DAY]);
    await insertProfiles('ret-long', [
      { bucket: NOW - 40 * DAY - ((NOW - 40 * DAY) % HOUR), bucketMs: HOUR, count: 5, min: 1, max: 2, bins: { '0': 5 } },
      { bucket: NOW - 401 * DAY - ((NOW - 401 * DAY) % HOUR), bucketMs: HOUR, count: 7, min: 1, max: 2, bins: { '0': 7 } },
    ]);
    const summary = await applyRetention(db, { now: NOW, retentionDays: 30, profileRetentionDays: 400 });
    expect(summary.deleted).toMatchObject({ prediction_samples: 1, feature_profiles: 1, profile_bins: 1 });
    expect(await count('SELECT sum(count) AS n FROM feature_profiles')).toBe(5);
    expect(await count('SELECT sum(count) AS n FROM profile_bins')).toBe(5);
  });
});

describe('rollUpProfiles', () => {
  beforeEach(clear);

  it('turns minute buckets older than the cutoff into hourly buckets with the same totals', async () => {
    const hour = Math.floor((NOW - 3 * DAY) / HOUR) * HOUR;
    const recentBucket = Math.floor((NOW - HOUR) / MINUTE) * MINUTE;
    await insertProfiles('roll', [
      { bucket: hour, count: 3, nulls: 1, sum: 6, min: 1, max: 4, bins: { '0': 1, '1': 1 } },
      { bucket: hour + 5 * MINUTE, count: 2, sum: 10, min: null, max: null },
      { bucket: hour + 59 * MINUTE, count: 4, nulls: 2, sum: 1, min: -3, max: 2, bins: { '1': 2, '2': 0 } },
      { bucket: hour + HOUR, count: 1, sum: 9, min: 9, max: 9, bins: { '3': 1 } },
      { bucket: hour, feature: 'y', count: 8, min: 0, max: 0, bins: { a: 8 } },
      { bucket: recentBucket, count: 11, min: 100, max: 100, bins: { '9': 11 } },
    ]);
    const before = await d1
      .prepare('SELECT sum(count) AS count, sum(nulls) AS nulls, sum(sum) AS sum, sum(sum_sq) AS sum_sq FROM feature_profiles')
      .first();
    const binsBefore = await count('SELECT sum(count) AS n FROM profile_bins');

    const rolled = await rollUpProfiles(db, NOW - 48 * HOUR);
    expect(rolled).toBe(5);

    const { results } = await d1
      .prepare('SELECT bucket, bucket_ms, feature, count, nulls, sum, min, max FROM feature_profiles ORDER BY feature, bucket')
      .all();
    expect(results).toEqual([
      { bucket: hour, bucket_ms: HOUR, feature: 'x', count: 9, nulls: 3, sum: 17, min: -3, max: 4 },
      { bucket: hour + HOUR, bucket_ms: HOUR, feature: 'x', count: 1, nulls: 0, sum: 9, min: 9, max: 9 },
      { bucket: recentBucket, bucket_ms: MINUTE, feature: 'x', count: 11, nulls: 0, sum: 11, min: 100, max: 100 },
      { bucket: hour, bucket_ms: HOUR, feature: 'y', count: 8, nulls: 0, sum: 8, min: 0, max: 0 },
    ]);
    const bins = await d1.prepare('SELECT bucket, bucket_ms, feature, bin, count FROM profile_bins ORDER BY feature, bucket, bin').all();
    expect(bins.results).toEqual([
      { bucket: hour, bucket_ms: HOUR, feature: 'x', bin: '0', count: 1 },
      { bucket: hour, bucket_ms: HOUR, feature: 'x', bin: '1', count: 3 },
      { bucket: hour, bucket_ms: HOUR, feature: 'x', bin: '2', count: 0 },
      { bucket: hour + HOUR, bucket_ms: HOUR, feature: 'x', bin: '3', count: 1 },
      { bucket: recentBucket, bucket_ms: MINUTE, feature: 'x', bin: '9', count: 11 },
      { bucket: hour, bucket_ms: HOUR, feature: 'y', bin: 'a', count: 8 },
    ]);
    expect(
      await d1
        .prepare('SELECT sum(count) AS count, sum(nulls) AS nulls, sum(sum) AS sum, sum(sum_sq) AS sum_sq FROM feature_profiles')
        .first(),
    ).toEqual(before);
    expect(await count('SELECT sum(count) AS n FROM profile_bins')).toBe(binsBefore);
    // Nothing left to roll up.
    expect(await rollUpProfiles(db, NOW - 48 * HOUR)).toBe(0);
  });

  it('merges into an hourly bucket that already exists', async () => {
    const hour = Math.floor((NOW - 5 * DAY) / HOUR) * HOUR;
    await insertProfiles('roll-merge', [
      { bucket: hour, bucketMs: HOUR, count: 10, min: 0, max: 5, bins: { '0': 10 } },
      { bucket: hour + 30 * MINUTE, count: 2, min: -1, max: 3, bins: { '0': 1, '1': 1 } },
    ]);
    await rollUpProfiles(db, NOW - 48 * HOUR);
    expect(
      await d1
        .prepare('SELECT bucket, bucket_ms, count, min, max FROM feature_profiles')
        .all()
        .then((r) => r.results),
    ).toEqual([{ bucket: hour, bucket_ms: HOUR, count: 12, min: -1, max: 5 }]);
    expect(
      await d1
        .prepare('SELECT bin, count FROM profile_bins ORDER BY bin')
        .all()
        .then((r) => r.results),
    ).toEqual([
      { bin: '0', count: 11 },
      { bin: '1', count: 1 },
    ]);
  });
});

describe('the daily cron', () => {
  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('applies retention with the configured number of days, then stores a daily summary of the check states', async () => {
    await clear();
    await insertSamples('cron', [NOW - 31 * DAY, NOW - 29 * DAY]);
    const state = d1.prepare('INSERT INTO check_states (model, "check", subject, status, since) VALUES (?, ?, ?, ?, 0)');
    await d1.batch([
      state.bind('adult-income', 'skew', 'age', 'fail'),
      state.bind('adult-income', 'drift', 'age', 'warn'),
      state.bind('adult-income', 'staleness', '1', 'pass'),
      state.bind('california-housing', 'staleness', '1', 'pass'),
      state.bind('california-housing', 'invalid_data', '', 'pass'),
    ]);
    const controller = createScheduledController({ cron: '17 3 * * *', scheduledTime: NOW });
    await worker.scheduled(controller, env as unknown as Env);
    const { results } = await d1.prepare('SELECT created_at FROM prediction_samples').all<{ created_at: number }>();
    expect(results.map((r) => r.created_at)).toEqual([NOW - 29 * DAY]);

    const summary = await d1
      .prepare("SELECT payload FROM alerts WHERE kind = 'daily_summary' ORDER BY id DESC LIMIT 1")
      .first<{ payload: string }>();
    const text = (JSON.parse(summary!.payload) as { text: string }).text;
    expect(text).toContain('Vigil daily summary, 2026-11-27');
    expect(text).toContain('adult-income: 1 failing (skew age) 1 warning (drift age)');
    expect(text).toContain('california-housing: all 2 checks pass');
  });
});
