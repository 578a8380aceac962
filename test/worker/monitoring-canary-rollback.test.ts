import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/env.ts';
import worker from '../../src/index.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { AlertDispatcher, type AlertPayload } from '../../src/monitoring/alerts.ts';
import { HealthMonitor, SCHEDULER_ACTOR } from '../../src/monitoring/health-monitor.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { buildServices } from '../../src/services.ts';
import type { Deployment } from '../../src/traffic/deployment.ts';
import { adminJson, manifestOf } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'california-housing';
const edges = manifestOf(MODEL, '1').output.training.bin_edges;

interface DeploymentEvent {
  action: string;
  actor: string;
  reason: string | null;
  before: Deployment | null;
  after: Deployment;
}

async function deployment(): Promise<Deployment> {
  const res = await adminJson<Deployment>('GET', `/models/${MODEL}/deployment`);
  expect(res.status).toBe(200);
  return res.body;
}

async function latestEvent(): Promise<DeploymentEvent> {
  const res = await adminJson<{ events: DeploymentEvent[] }>('GET', `/models/${MODEL}/events?limit=1`);
  return res.body.events[0]!;
}

async function setCanary(): Promise<void> {
  const res = await adminJson('POST', `/models/${MODEL}/deployment`, {
    action: 'canary',
    version: '2',
    percent: 50,
    reason: 'try version 2',
  });
  expect(res.status).toBe(200);
  expect((await deployment()).canary).toEqual({ version: '2', percent: 50 });
}

/** Removes the telemetry earlier tests seeded, so each scenario is judged on its own data. */
async function clearTelemetry(): Promise<void> {
  await d1.batch(
    ['feature_profiles', 'profile_bins', 'prediction_samples', 'check_states', 'alerts'].map((t) => d1.prepare(`DELETE FROM ${t}`)),
  );
}

async function seedInstances(version: number, served: number, failed: number): Promise<void> {
  const bucket = Math.floor(Date.now() / 60_000) * 60_000;
  const profile = d1.prepare(
    'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
      'VALUES (?, ?, ?, 60000, ?, ?, 0, 0, 0, 0, NULL, NULL)',
  );
  await d1.batch([
    profile.bind(MODEL, version, bucket, '__instances__', served),
    profile.bind(MODEL, version, bucket, '__errors__', failed),
  ]);
}

/** `n` logged predictions of `version` in `role`, with scores spread over the bins `pick(i)` chooses. */
async function seedSamples(version: number, role: 'primary' | 'canary', n: number, pick: (i: number) => number): Promise<void> {
  const at = Date.now() - 1000;
  // A score inside bin b of the primary's training deciles.
  const scoreIn = (b: number) =>
    b === 0 ? edges[0]! - 1 : b === edges.length ? edges[edges.length - 1]! + 1 : (edges[b - 1]! + edges[b]!) / 2;
  const stmt = d1.prepare(
    'INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, latency_ms, ' +
      "slices, created_at) VALUES (?, 0, ?, ?, ?, '{}', '{}', ?, NULL, 1, '{}', ?)",
  );
  await d1.batch(
    Array.from({ length: n }, (_, i) => stmt.bind(`${role}-${version}-${i}-${Math.random()}`, MODEL, version, role, scoreIn(pick(i)), at)),
  );
}

function monitorWithWebhook() {
  const services = buildServices(env as unknown as Env);
  const posted: AlertPayload[] = [];
  const alerts = new AlertDispatcher(services.db, {
    webhookUrl: 'https://hooks.example.test/vigil',
    fetch: (async (_url: RequestInfo | URL, init?: RequestInit) => {
      posted.push(JSON.parse(String(init?.body)) as AlertPayload);
      return new Response('ok');
    }) as typeof fetch,
    sleep: async () => undefined,
  });
  const monitor = new HealthMonitor({
    db: services.db,
    registry: services.registry,
    deployments: services.deployments,
    models: new ServedModelCache(services.registry, new SessionCache(new OrtRuntime())),
    alerts,
  });
  return { monitor, posted };
}

describe('automatic canary rollback', () => {
  beforeEach(async () => {
    await clearTelemetry();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('the five-minute cron removes a canary failing on errors, audited as the scheduler with the failing check as reason', async () => {
    await setCanary();
    // 100 served + 50 failed instances of the canary in this minute: error rate 1/3, far over 1 %.
    await seedInstances(2, 100, 50);

    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env as unknown as Env);

    const after = await deployment();
    expect(after.canary).toBeNull();
    expect(after.primary).toBe('1');
    const event = await latestEvent();
    expect(event).toMatchObject({ action: 'clear_canary', actor: SCHEDULER_ACTOR });
    expect(SCHEDULER_ACTOR).toBe('vigil:scheduler');
    expect(event.reason).toMatch(/canary check 2:error_rate failed/);
    expect(event.reason).toContain('0.333333');
    expect(event.before!.canary).toEqual({ version: '2', percent: 50 });

    // The result that caused it is stored, and the rollback is announced (stored for the webhook).
    const stored = await d1
      .prepare(
        `SELECT status, value FROM health_checks WHERE model = ? AND "check" = 'canary' AND subject = '2:error_rate' ` +
          'ORDER BY id DESC LIMIT 1',
      )
      .bind(MODEL)
      .first();
    expect(stored).toEqual({ status: 'fail', value: 0.333333 });
    const rollback = await d1
      .prepare(`SELECT payload FROM alerts WHERE model = ? AND kind = 'canary_rollback'`)
      .bind(MODEL)
      .all<{ payload: string }>();
    expect(rollback.results).toHaveLength(1);
    expect((JSON.parse(rollback.results[0]!.payload) as AlertPayload).text).toContain('canary version 2 was rolled back automatically');
  });

  it("rolls back a canary whose predictions diverge from the primary's, and alerts the webhook once", async () => {
    await setCanary();
    await seedInstances(2, 1000, 0);
    await seedSamples(1, 'primary', 200, (i) => i % 10);
    await seedSamples(2, 'canary', 200, () => 9);
    const { monitor, posted } = monitorWithWebhook();

    const [summary] = await monitor.run({ model: MODEL });
    expect(summary!.results.find((r) => r.check === 'canary' && r.subject === '2:error_rate')!.status).toBe('pass');
    expect(summary!.results.find((r) => r.check === 'canary' && r.subject === '2:divergence')!.status).toBe('fail');
    expect(summary!.rolledBack).toMatchObject({ canary: '2' });
    expect(summary!.rolledBack!.reason).toMatch(/^canary check 2:divergence failed/);
    expect((await deployment()).canary).toBeNull();
    expect(await latestEvent()).toMatchObject({ action: 'clear_canary', actor: 'vigil:scheduler', reason: summary!.rolledBack!.reason });

    const rollbacks = posted.filter((p) => p.kind === 'canary_rollback');
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]!.text).toContain('canary version 2 was rolled back automatically');
    expect(rollbacks[0]!.text).toContain('divergence');
    const changes = posted.filter((p) => p.kind === 'state_change').flatMap((p) => p.changes);
    expect(changes).toContainEqual(expect.objectContaining({ check: 'canary', subject: '2:divergence', to: 'fail' }));

    // The next run has no canary to judge: no second rollback, no repeated alert.
    const [next] = await monitor.run({ model: MODEL });
    expect(next!.rolledBack).toBeNull();
    expect(posted.filter((p) => p.kind === 'canary_rollback')).toHaveLength(1);
  });

  it('keeps a healthy canary', async () => {
    await setCanary();
    await seedInstances(2, 1000, 0);
    await seedSamples(1, 'primary', 200, (i) => i % 10);
    await seedSamples(2, 'canary', 200, (i) => (i + 3) % 10);
    const { monitor, posted } = monitorWithWebhook();

    const [summary] = await monitor.run({ model: MODEL });
    const canary = summary!.results.filter((r) => r.check === 'canary');
    expect(canary.find((r) => r.subject === '2:error_rate')).toMatchObject({ status: 'pass', value: 0 });
    expect(canary.find((r) => r.subject === '2:divergence')).toMatchObject({ status: 'pass', value: 0 });
    expect(canary.some((r) => r.status === 'fail')).toBe(false);
    expect(summary!.rolledBack).toBeNull();
    expect((await deployment()).canary).toEqual({ version: '2', percent: 50 });
    expect((await latestEvent()).actor).not.toBe('vigil:scheduler');
    expect(posted.filter((p) => p.kind === 'canary_rollback')).toEqual([]);
  });
});
