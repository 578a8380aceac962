/**
 * The cron under faults (issue 11): a failing canary is rolled back before anyone is alerted, so a webhook that
 * hangs cannot keep it serving; webhook calls time out; runs hold a D1 lease so they never overlap; retention
 * deletes within a time budget and picks up where it stopped.
 */
import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLease, releaseLease } from '../../src/db/leases.ts';
import type { Env } from '../../src/env.ts';
import worker from '../../src/index.ts';
import { AlertDispatcher } from '../../src/monitoring/alerts.ts';
import { HealthMonitor } from '../../src/monitoring/health-monitor.ts';
import { applyRetention } from '../../src/monitoring/retention.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { buildServices } from '../../src/services.ts';
import type { Deployment } from '../../src/traffic/deployment.ts';
import { adminJson } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const workerEnv = env as unknown as Env;
const MODEL = 'california-housing';
const DAY = 86_400_000;

async function seedFailingCanary(): Promise<void> {
  await d1.batch(
    ['feature_profiles', 'profile_bins', 'prediction_samples', 'check_states', 'alerts'].map((t) => d1.prepare(`DELETE FROM ${t}`)),
  );
  const res = await adminJson('POST', `/models/${MODEL}/deployment`, {
    action: 'canary',
    version: '2',
    percent: 50,
    reason: 'try version 2',
  });
  expect(res.status).toBe(200);
  const bucket = Math.floor(Date.now() / 60_000) * 60_000;
  const profile = d1.prepare(
    'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
      'VALUES (?, 2, ?, 60000, ?, ?, 0, 0, 0, 0, NULL, NULL)',
  );
  await d1.batch([profile.bind(MODEL, bucket, '__instances__', 100), profile.bind(MODEL, bucket, '__errors__', 50)]);
}

describe('a failing canary and a webhook that hangs', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  it('rolls the canary back first, gives up on the webhook after its timeout, and keeps the alerts for a later run', async () => {
    await seedFailingCanary();
    const services = buildServices(workerEnv);
    let calls = 0;
    const alerts = new AlertDispatcher(services.db, {
      webhookUrl: 'https://hooks.example.test/hangs',
      // Never answers, and ignores the abort signal.
      fetch: (() => {
        calls++;
        return new Promise<Response>(() => undefined);
      }) as typeof fetch,
      sleep: async () => undefined,
      timeoutMs: 50,
    });
    const models = new ServedModelCache(services.registry, new SessionCache(new OrtRuntime()));
    const monitor = new HealthMonitor({ db: services.db, registry: services.registry, deployments: services.deployments, models, alerts });

    const [summary] = await monitor.run({ model: MODEL });
    expect(summary!.rolledBack).toMatchObject({ canary: '2' });
    expect((await adminJson<Deployment>('GET', `/models/${MODEL}/deployment`)).body.canary).toBeNull();
    // One call timed out; the second alert of the run was stored without calling the hanging webhook again.
    expect(calls).toBe(1);
    const stored = await d1
      .prepare(`SELECT kind, delivered_at, last_error FROM alerts WHERE model = ? ORDER BY id`)
      .bind(MODEL)
      .all<{ kind: string; delivered_at: number | null; last_error: string | null }>();
    expect(stored.results.map((a) => a.kind)).toEqual(['canary_rollback', 'state_change']);
    expect(stored.results.every((a) => a.delivered_at === null)).toBe(true);
    expect(stored.results[0]!.last_error).toBe('webhook did not answer within 50 ms');
  });
});

describe('D1 leases', () => {
  it('let one holder at a time take a job, until it gives it back or it expires', async () => {
    const db = buildServices(workerEnv).db;
    const now = Date.now();
    expect(await acquireLease(db, 'test-job', 'a', now, 60_000)).toBe(true);
    expect(await acquireLease(db, 'test-job', 'b', now + 1000, 60_000)).toBe(false);
    // Racing takers of a free lease: exactly one wins.
    await releaseLease(db, 'test-job', 'a');
    const racers = await Promise.all(['c', 'd', 'e', 'f'].map((h) => acquireLease(db, 'test-job', h, now + 2000, 60_000)));
    expect(racers.filter(Boolean)).toHaveLength(1);
    // A dead holder's lease expires.
    expect(await acquireLease(db, 'test-job', 'g', now + 120_000, 60_000)).toBe(true);
  });

  it('make a cron run skip while another run holds the checks lease, and a manual run answer 409', async () => {
    const db = buildServices(workerEnv).db;
    expect(await acquireLease(db, 'health-checks', 'someone-else', Date.now(), 60_000)).toBe(true);
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), workerEnv);
    expect(logged.some((l) => l.includes('cron run skipped'))).toBe(true);
    const manual = await adminJson<{ error: { code: string } }>('POST', '/checks/run');
    expect(manual.status).toBe(409);
    expect(manual.body.error.code).toBe('run_in_progress');
    await releaseLease(db, 'health-checks', 'someone-else');
    expect((await adminJson('POST', '/checks/run')).status).toBe(200);
    vi.restoreAllMocks();
  });
});

describe('retention within a time budget', () => {
  it('deletes expired rows of every table in turns until its budget is spent, and finishes over later runs', async () => {
    const db = buildServices(workerEnv).db;
    const now = Date.now();
    await d1.batch(['prediction_samples', 'shadow_comparisons'].map((t) => d1.prepare(`DELETE FROM ${t}`)));
    const sample = d1.prepare(
      'INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, ' +
        "latency_ms, slices, created_at) VALUES (?, 0, 'm', 1, 'primary', '{}', '{}', 0, NULL, 1, '{}', ?)",
    );
    const comparison = d1.prepare(
      'INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction, ' +
        "primary_score, primary_latency_ms, slices, created_at) VALUES (?, 0, 'm', 1, 2, '{}', 0, 1, '{}', ?)",
    );
    const old = now - 40 * DAY;
    await d1.batch([
      ...Array.from({ length: 60 }, (_, i) => sample.bind(`old-${i}`, old)),
      ...Array.from({ length: 30 }, (_, i) => comparison.bind(`old-${i}`, old)),
      sample.bind('recent', now - DAY),
    ]);
    // A clock that advances 10 ms per call: a 100 ms budget allows a handful of batches per run.
    let t = 0;
    const clock = () => (t += 10);
    const runs: { complete: boolean; deleted: Record<string, number> }[] = [];
    for (let i = 0; i < 20 && !runs.at(-1)?.complete; i++) {
      runs.push(await applyRetention(db, { now, retentionDays: 30, profileRetentionDays: 400, batchSize: 10, budgetMs: 100, clock }));
    }
    expect(runs[0]!.complete).toBe(false);
    // Both tables get turns in the first run: a backlog in one does not starve the other.
    expect(runs[0]!.deleted.prediction_samples).toBeGreaterThan(0);
    expect(runs[0]!.deleted.shadow_comparisons).toBeGreaterThan(0);
    expect(runs.at(-1)!.complete).toBe(true);
    expect(runs.reduce((n, r) => n + r.deleted.prediction_samples!, 0)).toBe(60);
    expect(runs.reduce((n, r) => n + r.deleted.shadow_comparisons!, 0)).toBe(30);
    const left = await d1.prepare(`SELECT request_id FROM prediction_samples WHERE model = 'm'`).all<{ request_id: string }>();
    expect(left.results).toEqual([{ request_id: 'recent' }]);
  });

  it('runs on the five-minute cron too, not only once a day', async () => {
    await d1.prepare(`DELETE FROM prediction_samples`).run();
    await d1
      .prepare(
        'INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, ' +
          "latency_ms, slices, created_at) VALUES ('expired', 0, 'm', 1, 'primary', '{}', '{}', 0, NULL, 1, '{}', ?)",
      )
      .bind(Date.now() - 40 * DAY)
      .run();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }), workerEnv);
    vi.restoreAllMocks();
    expect((await d1.prepare(`SELECT count(*) AS n FROM prediction_samples`).first<{ n: number }>())!.n).toBe(0);
  });
});
