import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { buildServices } from '../../src/services.ts';
import { consumeTelemetry } from '../../src/telemetry/consumer.ts';
import type { TelemetryMessage } from '../../src/telemetry/records.ts';
import { manifestOf, postJson } from './helpers.ts';

const workerEnv = env as unknown as Env;
const d1 = (env as unknown as { DB: D1Database }).DB;
const MODEL = 'california-housing';
const instances = manifestOf(MODEL, '1')
  .golden.slice(0, 4)
  .map((g) => g.instance);

interface PredictBody {
  model: string;
  version: string;
  request_id: string;
  predictions: unknown[];
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Waits until sends have started and then stopped for a while (the shadow and the telemetry observer each flush). */
async function settled(calls: readonly unknown[]): Promise<void> {
  const start = calls.length;
  await waitFor(() => calls.length > start);
  let seen = -1;
  while (seen !== calls.length) {
    seen = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function predictVia(app: ReturnType<typeof createApp>) {
  return async (body: unknown) => {
    const res = await app.request(
      `/v1/models/${MODEL}/predict`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      workerEnv,
    );
    return { status: res.status, body: (await res.json()) as PredictBody };
  };
}

describe('telemetry failures do not reach predictions', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it('answers 200 with the same predictions while the queue send throws, and keeps the telemetry for later', async () => {
    const reference = await postJson(`/v1/models/${MODEL}/predict`, { instances });
    expect(reference.status).toBe(200);
    const expected = ((await reference.json()) as PredictBody).predictions;

    const calls: string[][] = [];
    const services = buildServices(workerEnv, {
      telemetrySender: async (messages) => {
        calls.push(messages.map((m) => m.id));
        throw new Error('Queue send failed: service unavailable');
      },
    });
    const predict = predictVia(createApp(() => services));

    const first = await predict({ instances });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ model: MODEL, version: '1', predictions: expected });
    await settled(calls);
    expect(calls.length).toBeGreaterThan(0);
    // Every failed send is kept: the last attempt carries all of them.
    const pending = calls[calls.length - 1]!;
    expect(new Set(calls.flat())).toEqual(new Set(pending));

    const before = calls.length;
    const second = await predict({ instances: instances.slice(0, 2) });
    expect(second.status).toBe(200);
    expect(second.body.predictions).toEqual(expected.slice(0, 2));
    await settled(calls);
    // The failed messages are offered again, under the same ids, ahead of the new ones.
    const next = calls[before]!;
    expect(next.slice(0, pending.length)).toEqual(pending);
    expect(calls[calls.length - 1]!.length).toBeGreaterThan(pending.length);
    expect(errors.some((e) => e.includes('telemetry send failed'))).toBe(true);
  });

  it('retries messages while D1 fails, and predictions keep working meanwhile', async () => {
    const captured: TelemetryMessage[] = [];
    const services = buildServices(workerEnv, { telemetrySender: async (messages) => void captured.push(...messages) });
    const predict = predictVia(createApp(() => services));
    const answer = await predict({ instances });
    expect(answer.status).toBe(200);
    await waitFor(() => captured.some((m) => m.records.some((r) => r.kind === 'sample' && r.request_id === answer.body.request_id)));
    expect(captured.length).toBeGreaterThan(0);

    const down = new Proxy(d1, {
      get(target, prop, receiver) {
        if (prop === 'batch') return async () => Promise.reject(new Error('D1_ERROR: D1 is overloaded'));
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const batch = createMessageBatch<TelemetryMessage>(
      'vigil-telemetry',
      captured.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    await consumeTelemetry(batch, { d1: down, maxAttempts: 6 });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(captured.map((_, i) => `m${i}`));

    // Predictions are unaffected while the consumer cannot write.
    const during = await predict({ instances: instances.slice(0, 1) });
    expect(during.status).toBe(200);
    expect(during.body.predictions).toEqual(answer.body.predictions.slice(0, 1));

    // Once D1 is back, the redelivered messages land.
    const retried = createMessageBatch<TelemetryMessage>(
      'vigil-telemetry',
      captured.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 2, body })),
    );
    await consumeTelemetry(retried, { d1, maxAttempts: 6 });
    expect((await getQueueResult(retried, createExecutionContext())).explicitAcks).toHaveLength(captured.length);
    const samples = await d1
      .prepare('SELECT count(*) AS n FROM prediction_samples WHERE request_id = ?')
      .bind(answer.body.request_id)
      .first<{ n: number }>();
    expect(samples!.n).toBe(instances.length);
  });
});
