import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { database } from '../../src/db/client.ts';
import type { Env } from '../../src/env.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { AlertDispatcher, type AlertPayload } from '../../src/monitoring/alerts.ts';
import { HealthMonitor, windowsFor } from '../../src/monitoring/health-monitor.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';
import { buildServices } from '../../src/services.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'california-housing';
const MINUTE = 60_000;

/** The D1 binding, except that statements matching `failing` throw. */
function flakyD1(failing: RegExp): D1Database {
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (query: string) => {
          if (failing.test(query)) throw new Error('D1_ERROR: no such table: feedback: SQLITE_ERROR');
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function monitorAt(now: () => number, posted: AlertPayload[], binding: D1Database = d1): HealthMonitor {
  const services = buildServices({ ...(env as unknown as Env), DB: binding });
  const db = database(binding);
  const alerts = new AlertDispatcher(db, {
    webhookUrl: 'https://hooks.example.test/x',
    fetch: (async (_: RequestInfo | URL, init?: RequestInit) => {
      posted.push(JSON.parse(String(init?.body)) as AlertPayload);
      return new Response('ok');
    }) as typeof fetch,
    sleep: async () => undefined,
    now: () => new Date(now()),
  });
  return new HealthMonitor({
    db,
    registry: services.registry,
    deployments: services.deployments,
    models: new ServedModelCache(services.registry, new SessionCache(new OrtRuntime())),
    alerts,
    now: () => new Date(now()),
  });
}

/** median_income of version 1 in the minute bucket before `at`: 1000 values in bins as given. */
async function seedIncome(at: number, bins: Record<string, number>): Promise<void> {
  const bucket = Math.floor(at / MINUTE) * MINUTE - MINUTE;
  const total = Object.values(bins).reduce((a, b) => a + b, 0);
  await d1.batch([
    d1
      .prepare(
        'INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max) ' +
          "VALUES (?, 1, ?, 60000, 'median_income', ?, 0, 0, 0, 0, NULL, NULL)",
      )
      .bind(MODEL, bucket, total),
    ...Object.entries(bins).map(([bin, n]) =>
      d1
        .prepare(
          'INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count) ' +
            "VALUES (?, 1, ?, 60000, 'median_income', ?, ?)",
        )
        .bind(MODEL, bucket, bin, n),
    ),
  ]);
}

const TRAINING_LIKE = { '0': 100, '1': 100, '2': 100, '3': 100, '4': 100, '5': 100, '6': 100, '7': 100, '8': 100, '9': 100 };

describe('HealthMonitor', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  it('uses a window of the last N minutes and the N minutes before it for drift', () => {
    expect(windowsFor(10 * MINUTE * 6, 10)).toEqual({
      current: { from: 50 * MINUTE, to: 60 * MINUTE + 1, label: '10m' },
      previous: { from: 40 * MINUTE, to: 50 * MINUTE, label: '10m before' },
    });
    expect(windowsFor(0, 120).current.label).toBe('2h');
  });

  it('stores every result with its value, threshold and window', async () => {
    const now = Date.now();
    const posted: AlertPayload[] = [];
    const [summary] = await monitorAt(() => now, posted).run({ model: MODEL, windowMinutes: 10 });
    const { results } = await d1
      .prepare(
        'SELECT "check", subject, status, value, threshold, window, created_at FROM health_checks WHERE model = ? AND created_at = ?',
      )
      .bind(MODEL, now)
      .all();
    expect(results).toHaveLength(summary!.results.length);
    for (const r of summary!.results) {
      expect(results, `${r.check}/${r.subject}`).toContainEqual({
        check: r.check,
        subject: r.subject,
        status: r.status,
        value: r.value,
        threshold: r.threshold,
        window: r.window,
        created_at: now,
      });
    }
  });

  it('keeps running the other checks when one of them throws, recording it as insufficient_data with the error', async () => {
    const posted: AlertPayload[] = [];
    const monitor = monitorAt(() => Date.now(), posted, flakyD1(/JOIN feedback/));
    const [summary] = await monitor.run({ model: MODEL, windowMinutes: 10 });
    const quality = summary!.results.filter((r) => r.check === 'quality');
    expect(quality).toHaveLength(1);
    expect(quality[0]).toMatchObject({ status: 'insufficient_data', value: null });
    expect(String(quality[0]!.details.error)).toContain('no such table');
    for (const check of ['staleness', 'invalid_data', 'invariants', 'skew', 'drift', 'bias', 'parity', 'shadow']) {
      expect(
        summary!.results.some((r) => r.check === check),
        check,
      ).toBe(true);
    }
    expect(summary!.results.find((r) => r.check === 'staleness')!.status).toBe('pass');
  });

  it('alerts a change of state once: not again while it persists, again when it recovers', async () => {
    await d1.batch(['feature_profiles', 'profile_bins', 'check_states', 'alerts'].map((t) => d1.prepare(`DELETE FROM ${t}`)));
    const t1 = Date.now() - 2 * 3_600_000;
    let now = t1;
    const posted: AlertPayload[] = [];
    const monitor = monitorAt(() => now, posted);
    const skewChanges = () => posted.flatMap((p) => p.changes).filter((c) => c.check === 'skew' && c.subject === 'median_income');

    await seedIncome(t1, TRAINING_LIKE);
    await monitor.run({ model: MODEL, windowMinutes: 10 });
    // A new subject that passes is not news.
    expect(skewChanges()).toEqual([]);

    const t2 = t1 + 30 * MINUTE;
    now = t2;
    await seedIncome(t2, { '9': 1000 });
    await monitor.run({ model: MODEL, windowMinutes: 10 });
    expect(skewChanges().map((c) => [c.from, c.to])).toEqual([['pass', 'fail']]);
    const alert = posted.find((p) => p.changes.some((c) => c.check === 'skew'))!;
    expect(alert.text).toContain('skew median_income: pass → fail');

    // Five minutes later, still failing: no new alert.
    now = t2 + 5 * MINUTE;
    await monitor.run({ model: MODEL, windowMinutes: 10 });
    expect(skewChanges()).toHaveLength(1);

    // A quiet window (no data) is not a change either.
    now = t2 + 40 * MINUTE;
    await monitor.run({ model: MODEL, windowMinutes: 10 });
    expect(skewChanges()).toHaveLength(1);

    // Back to the training distribution: one recovery alert.
    const t3 = t2 + 60 * MINUTE;
    now = t3;
    await seedIncome(t3, TRAINING_LIKE);
    await monitor.run({ model: MODEL, windowMinutes: 10 });
    expect(skewChanges().map((c) => [c.from, c.to])).toEqual([
      ['pass', 'fail'],
      ['fail', 'pass'],
    ]);
  });
});
