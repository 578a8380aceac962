/**
 * Telemetry is never lost silently (issue 11): the dead-letter queue is replayed into D1 once D1 takes it again,
 * what is finally given up on is counted, and records an isolate had to drop are reported once the queue takes
 * messages again — all of it shown in health.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { consumeDeadLetters, consumeTelemetry } from '../../src/telemetry/consumer.ts';
import { packMessages, serializedMessage, TelemetryBuffer } from '../../src/telemetry/buffer.ts';
import type { PredictionSampleRecord, TelemetryMessage } from '../../src/telemetry/records.ts';
import { faultyD1, type Fault } from '../support/faulty-bindings.ts';
import { adminJson } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;

function sample(requestId: string): PredictionSampleRecord {
  return {
    kind: 'sample',
    request_id: requestId,
    instance: 0,
    model: 'dlq-model',
    version: '1',
    role: 'primary',
    features: {},
    prediction: { value: 1 },
    score: 1,
    label: null,
    latency_ms: 1,
    slices: {},
    created_at: Date.now(),
  };
}

function deadLetterBatch(id: string, attempts: number, body: TelemetryMessage) {
  const batch = createMessageBatch<TelemetryMessage>('vigil-telemetry-dlq', [{ id, timestamp: new Date(), attempts, body }]);
  const delays: (number | undefined)[] = [];
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    vi.spyOn(m, 'retry').mockImplementation((options?: QueueRetryOptions) => {
      delays.push(options?.delaySeconds);
      retry(options);
    });
  }
  return { batch, delays };
}

interface Health {
  telemetry: {
    dead_lettered: { messages: number };
    replayed: { messages: number; records: number };
    waiting: { messages: number };
    dropped: { messages: number; records: number };
    dropped_in_isolates: number;
  };
  isolate: Record<string, number>;
}

const health = async () => (await adminJson<Health>('GET', '/health')).body;

describe('the dead-letter queue', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  it('is replayed into D1 once D1 takes it again, and counted as dead-lettered and replayed', async () => {
    const before = await health();
    const state = { fault: 'error' as Fault };
    const flaky = faultyD1(d1, () => state.fault);
    const message: TelemetryMessage = { id: 'dead-1', records: [sample('dead-req-1'), sample('dead-req-2')] };

    const first = deadLetterBatch('q-1', 1, message);
    await consumeDeadLetters(first.batch, { d1: flaky, maxAttempts: 51 });
    expect((await getQueueResult(first.batch, createExecutionContext())).retryMessages).toEqual([{ msgId: 'q-1' }]);
    expect(first.delays).toEqual([600]);

    state.fault = 'ok';
    const second = deadLetterBatch('q-1', 2, message);
    await consumeDeadLetters(second.batch, { d1: flaky, maxAttempts: 51 });
    expect((await getQueueResult(second.batch, createExecutionContext())).explicitAcks).toEqual(['q-1']);
    const stored = await d1
      .prepare(`SELECT count(*) AS n FROM prediction_samples WHERE request_id IN ('dead-req-1', 'dead-req-2')`)
      .first<{ n: number }>();
    expect(stored!.n).toBe(2);
    const after = await health();
    expect(after.telemetry.dead_lettered.messages).toBe(before.telemetry.dead_lettered.messages + 1);
    expect(after.telemetry.replayed).toEqual({
      messages: before.telemetry.replayed.messages + 1,
      records: before.telemetry.replayed.records + 2,
    });

    // Delivered again (at least once), it changes nothing.
    const again = deadLetterBatch('q-1', 3, message);
    await consumeDeadLetters(again.batch, { d1, maxAttempts: 51 });
    expect((await health()).telemetry.replayed.messages).toBe(after.telemetry.replayed.messages);
  });

  it('replays a message as the producer sends it (the table form, as text) after D1 failed it for hours', async () => {
    const before = await health();
    const [packed] = packMessages([sample('dead-text-1'), sample('dead-text-2'), sample('dead-text-3')], 100_000, () => 'dead-text');
    const text = serializedMessage(packed!).json;
    // The main consumer gives up on it while D1 fails, and hands the dead-letter queue the same text.
    const sent: { body: unknown; contentType?: string }[] = [];
    const dlq = {
      send: async (body: unknown, options?: { contentType?: string }) => void sent.push({ body, contentType: options?.contentType }),
    } as unknown as Queue<TelemetryMessage | string>;
    const failing = createMessageBatch<TelemetryMessage | string>('vigil-telemetry', [
      { id: 'm-text', timestamp: new Date(), attempts: 11, body: text },
    ]);
    await consumeTelemetry(failing, { d1: faultyD1(d1, () => 'error'), deadLetters: dlq, maxAttempts: 11 });
    expect(sent).toEqual([{ body: text, contentType: 'text' }]);

    const replay = createMessageBatch<TelemetryMessage | string>('vigil-telemetry-dlq', [
      { id: 'q-text', timestamp: new Date(), attempts: 1, body: sent[0]!.body as string },
    ]);
    await consumeDeadLetters(replay, { d1, maxAttempts: 51 });
    expect((await getQueueResult(replay, createExecutionContext())).explicitAcks).toEqual(['q-text']);
    const stored = await d1
      .prepare(`SELECT count(*) AS n FROM prediction_samples WHERE request_id LIKE 'dead-text-%'`)
      .first<{ n: number }>();
    expect(stored!.n).toBe(3);
    expect((await health()).telemetry.replayed).toEqual({
      messages: before.telemetry.replayed.messages + 1,
      records: before.telemetry.replayed.records + 3,
    });
  });

  it('counts a message it finally gives up on as dropped, with its records', async () => {
    const before = await health();
    // A message D1 refuses whatever its state (a sample without a model): retried, then given up on and counted.
    const poison: TelemetryMessage = {
      id: 'dead-2',
      records: [{ ...sample('dead-req-3'), model: null as unknown as string }, sample('dead-req-4')],
    };
    const retried = deadLetterBatch('q-2', 10, poison);
    await consumeDeadLetters(retried.batch, { d1, maxAttempts: 51 });
    expect((await getQueueResult(retried.batch, createExecutionContext())).retryMessages).toEqual([{ msgId: 'q-2' }]);
    expect((await health()).telemetry.waiting.messages).toBe(before.telemetry.waiting.messages + 1);
    const last = deadLetterBatch('q-2', 51, poison);
    await consumeDeadLetters(last.batch, { d1, maxAttempts: 51 });
    expect((await getQueueResult(last.batch, createExecutionContext())).explicitAcks).toEqual(['q-2']);
    const after = await health();
    expect(after.telemetry.dropped).toEqual({
      messages: before.telemetry.dropped.messages + 1,
      records: before.telemetry.dropped.records + 2,
    });
    expect(after.telemetry.waiting.messages).toBe(before.telemetry.waiting.messages);
  });

  it('is where the main consumer sends a message only after hours of retries, not a minute', async () => {
    const message: TelemetryMessage = { id: 'slow-1', records: [sample('slow-req')] };
    const sent: unknown[] = [];
    const dlq = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue<TelemetryMessage>;
    for (const attempts of [1, 5, 10]) {
      const batch = createMessageBatch<TelemetryMessage>('vigil-telemetry', [
        { id: `m-${attempts}`, timestamp: new Date(), attempts, body: message },
      ]);
      await consumeTelemetry(batch, { d1: faultyD1(d1, () => 'error'), deadLetters: dlq, maxAttempts: 11 });
    }
    expect(sent).toEqual([]);
    const last = createMessageBatch<TelemetryMessage>('vigil-telemetry', [
      { id: 'm-11', timestamp: new Date(), attempts: 11, body: message },
    ]);
    await consumeTelemetry(last, { d1: faultyD1(d1, () => 'error'), deadLetters: dlq, maxAttempts: 11 });
    expect(sent).toEqual([message]);
  });
});

describe('records an isolate drops', () => {
  it('are counted and reported with the next message the queue takes, and shown in health', async () => {
    const before = await health();
    let queueUp = false;
    const delivered: TelemetryMessage[] = [];
    const buffer = new TelemetryBuffer(
      async (messages) => {
        if (!queueUp) throw new Error('Queue send failed');
        delivered.push(...messages);
      },
      { flushMs: 60_000, maxPendingRecords: 5 },
    );
    // Flushes happen when the test says (the timer add() starts is left to run out).
    const background = () => undefined;
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    for (let i = 0; i < 4; i++) {
      buffer.add([sample(`drop-${i}-a`), sample(`drop-${i}-b`), sample(`drop-${i}-c`)], background);
      await buffer.flush();
    }
    // Four flushes of 3 records, at most 5 kept: the oldest messages go, with the count carried along.
    expect(buffer.dropped).toBe(9);
    queueUp = true;
    buffer.add([sample('after')], background);
    await buffer.flush();
    const dropped = delivered.flatMap((m) => m.records).filter((r) => r.kind === 'dropped');
    expect(dropped.reduce((n, r) => n + (r.kind === 'dropped' ? r.records : 0), 0)).toBe(9);

    const batch = createMessageBatch<TelemetryMessage>(
      'vigil-telemetry',
      delivered.map((m, i) => ({ id: `d-${i}`, timestamp: new Date(), attempts: 1, body: m })),
    );
    await consumeTelemetry(batch, { d1, maxAttempts: 11 });
    expect((await health()).telemetry.dropped_in_isolates).toBe(before.telemetry.dropped_in_isolates + 9);
    vi.restoreAllMocks();
  });

  it('GET /admin/health also shows what this isolate holds', async () => {
    const h = await health();
    expect(Object.keys(h.isolate)).toEqual(
      expect.arrayContaining(['deployments', 'served_models', 'sessions', 'telemetry_pending', 'telemetry_dropped']),
    );
  });
});
