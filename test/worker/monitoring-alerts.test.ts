import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { database } from '../../src/db/client.ts';
import { AlertDispatcher, stateChangePayload, type AlertPayload } from '../../src/monitoring/alerts.ts';
import type { CheckStatus, HealthCheckResult } from '../../src/monitoring/checks/types.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const db = database(d1);
const WEBHOOK = 'https://hooks.example.test/services/T000/B000/s3cr3t-t0ken';

interface Call {
  url: string;
  body: AlertPayload;
  contentType: string | null;
}

function webhook(answer: (n: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: String(input),
      body: JSON.parse(String(init?.body)) as AlertPayload,
      contentType: new Headers(init?.headers).get('content-type'),
    });
    return answer(calls.length);
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function result(check: HealthCheckResult['check'], subject: string, status: CheckStatus, value: number | null = 0.5): HealthCheckResult {
  return { check, subject, version: '1', status, value, threshold: 0.25, window: '60m', details: {} };
}

async function alertRows(model: string) {
  const { results } = await d1
    .prepare('SELECT kind, attempts, delivered_at, last_error, payload FROM alerts WHERE model = ? ORDER BY id')
    .bind(model)
    .all<{ kind: string; attempts: number; delivered_at: number | null; last_error: string | null; payload: string }>();
  return results;
}

describe('AlertDispatcher', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    const capture = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    vi.spyOn(console, 'error').mockImplementation(capture);
    vi.spyOn(console, 'warn').mockImplementation(capture);
    vi.spyOn(console, 'log').mockImplementation(capture);
  });
  afterEach(() => vi.restoreAllMocks());

  it('records states so that only changes alert: new failure, steady failure, insufficient data, recovery', async () => {
    const alerts = new AlertDispatcher(db, { webhookUrl: WEBHOOK, fetch: webhook(() => new Response('ok')).fetch });
    const model = 'alerts-states';
    const run = (status: CheckStatus) => alerts.recordStates(model, [result('skew', 'age', status), result('drift', 'age', 'pass')]);
    expect((await run('pass')).map((c) => [c.check, c.from, c.to])).toEqual([]);
    expect((await run('fail')).map((c) => [c.check, c.from, c.to])).toEqual([['skew', 'pass', 'fail']]);
    expect(await run('fail')).toEqual([]);
    expect(await run('insufficient_data')).toEqual([]);
    expect(await run('fail')).toEqual([]);
    expect((await run('pass')).map((c) => [c.check, c.from, c.to])).toEqual([['skew', 'fail', 'pass']]);
    expect(await run('pass')).toEqual([]);
    // States are per model.
    expect((await alerts.recordStates('alerts-other', [result('skew', 'age', 'fail')])).map((c) => [c.from, c.to])).toEqual([
      [null, 'fail'],
    ]);
  });

  it('POSTs each notification once as JSON with a Slack-compatible text, and marks it delivered', async () => {
    const hook = webhook(() => new Response('ok'));
    const alerts = new AlertDispatcher(db, { webhookUrl: WEBHOOK, fetch: hook.fetch, sleep: async () => undefined });
    const model = 'alerts-deliver';
    const changes = await alerts.recordStates(model, [result('skew', 'age', 'fail'), result('drift', 'hours', 'warn')]);
    const payload = stateChangePayload(model, changes, new Date('2026-11-27T10:00:00Z'));
    expect(await alerts.send(payload)).toBe(true);

    expect(hook.calls).toHaveLength(1);
    const [call] = hook.calls;
    expect(call!.url).toBe(WEBHOOK);
    expect(call!.contentType).toBe('application/json');
    expect(typeof call!.body.text).toBe('string');
    expect(call!.body.text).toContain('skew age: new → fail');
    expect(call!.body.text).toContain('drift hours: new → warn');
    expect(call!.body).toMatchObject({
      kind: 'state_change',
      model,
      changes: [
        { check: 'skew', to: 'fail' },
        { check: 'drift', to: 'warn' },
      ],
    });

    const [row] = await alertRows(model);
    expect(row).toMatchObject({ kind: 'state_change', attempts: 1, last_error: null });
    expect(row!.delivered_at).not.toBeNull();
    // Nothing left to retry.
    await alerts.retryPending();
    expect(hook.calls).toHaveLength(1);
  });

  it('retries a failing webhook with backoff, leaves the alert pending, and delivers it on a later run', async () => {
    let up = false;
    const hook = webhook(() => (up ? new Response('ok') : new Response('unavailable', { status: 503 })));
    const sleeps: number[] = [];
    const alerts = new AlertDispatcher(db, { webhookUrl: WEBHOOK, fetch: hook.fetch, sleep: async (ms) => void sleeps.push(ms) });
    const model = 'alerts-retry';
    expect(
      await alerts.send(stateChangePayload(model, await alerts.recordStates(model, [result('quality', '', 'fail')]), new Date())),
    ).toBe(false);
    expect(hook.calls).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
    let [row] = await alertRows(model);
    expect(row).toMatchObject({ attempts: 3, delivered_at: null, last_error: 'webhook answered 503' });

    up = true;
    await alerts.retryPending();
    expect(hook.calls).toHaveLength(4);
    // The same notification, not a new one.
    expect(hook.calls[3]!.body).toEqual(hook.calls[0]!.body);
    [row] = await alertRows(model);
    expect(row!.attempts).toBe(4);
    expect(row!.delivered_at).not.toBeNull();
  });

  it('stops retrying after maxAttempts', async () => {
    const hook = webhook(() => new Response('nope', { status: 500 }));
    const alerts = new AlertDispatcher(db, {
      webhookUrl: WEBHOOK,
      fetch: hook.fetch,
      sleep: async () => undefined,
      attemptsPerRun: 2,
      maxAttempts: 4,
    });
    const model = 'alerts-give-up';
    await alerts.send({ text: 'x', kind: 'state_change', model, changes: [], at: new Date().toISOString() });
    await alerts.retryPending();
    await alerts.retryPending();
    expect(hook.calls.filter((c) => c.body.model === model)).toHaveLength(4);
    expect((await alertRows(model))[0]).toMatchObject({ attempts: 4, delivered_at: null });
  });

  it('never writes the webhook URL (which holds a secret) to logs or stored errors', async () => {
    const hook = webhook(() => {
      throw new TypeError(`fetch to ${WEBHOOK} failed: connection refused (${WEBHOOK})`);
    });
    const alerts = new AlertDispatcher(db, { webhookUrl: WEBHOOK, fetch: hook.fetch, sleep: async () => undefined });
    const model = 'alerts-secret';
    expect(await alerts.send({ text: 'x', kind: 'state_change', model, changes: [], at: new Date().toISOString() })).toBe(false);
    const [row] = await alertRows(model);
    expect(row!.last_error).toContain('connection refused');
    expect(row!.last_error).not.toContain('s3cr3t-t0ken');
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toContain('s3cr3t-t0ken');
  });

  it('hides the URL also when the error shows it normalized or shows only its path', async () => {
    const configured = 'HTTPS://Hooks.Example.test/services/T000/B000/an0ther-s3cret';
    const hook = webhook(() => {
      throw new Error(`could not reach ${new URL(configured).href}; POST /services/T000/B000/an0ther-s3cret gave up`);
    });
    const alerts = new AlertDispatcher(db, { webhookUrl: configured, fetch: hook.fetch, sleep: async () => undefined });
    const model = 'alerts-secret-normalized';
    await alerts.send({ text: 'x', kind: 'state_change', model, changes: [], at: new Date().toISOString() });
    const [row] = await alertRows(model);
    expect(row!.last_error).toContain('could not reach');
    expect(row!.last_error).not.toContain('an0ther-s3cret');
    for (const line of logged) expect(line).not.toContain('an0ther-s3cret');
  });

  it('stores alerts without delivering when no webhook is configured', async () => {
    const hook = webhook(() => new Response('ok'));
    const alerts = new AlertDispatcher(db, { webhookUrl: undefined, fetch: hook.fetch });
    const model = 'alerts-no-hook';
    expect(await alerts.send({ text: 'x', kind: 'state_change', model, changes: [], at: new Date().toISOString() })).toBe(false);
    expect(hook.calls).toHaveLength(0);
    expect((await alertRows(model))[0]).toMatchObject({ attempts: 0, delivered_at: null });
  });
});
