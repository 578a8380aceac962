import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../src/env.ts';
import telemetryWorker from '../../src/telemetry-worker.ts';
import { consumeTelemetry, MAX_BOUND_PARAMETERS, messageStatements } from '../../src/telemetry/consumer.ts';
import { packMessages, serializedMessage } from '../../src/telemetry/buffer.ts';
import { decodeMessage } from '../../src/telemetry/message-format.ts';
import { queueSender } from '../../src/telemetry/queue-sender.ts';
import type { PredictionSampleRecord, ProfileRecord, ShadowComparisonRecord, TelemetryMessage } from '../../src/telemetry/records.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const workerEnv = env as unknown as Env;

function sample(model: string, requestId: string, instance = 0, version = '1'): PredictionSampleRecord {
  return {
    kind: 'sample',
    request_id: requestId,
    instance,
    model,
    version,
    role: 'primary',
    features: { x: instance, city: 'Zürich' },
    prediction: { value: instance * 2 },
    score: instance * 2,
    label: null,
    latency_ms: 1.5,
    slices: { latitude: '(-∞, 34]' },
    created_at: 1_000 + instance,
  };
}

function comparison(model: string, requestId: string, instance: number): ShadowComparisonRecord {
  return {
    kind: 'comparison',
    request_id: requestId,
    instance,
    model,
    primary_version: '1',
    shadow_version: '2',
    primary_prediction: { value: 10 },
    shadow_prediction: { value: 10 + instance },
    primary_score: 10,
    shadow_score: 10 + instance,
    primary_label: null,
    shadow_label: null,
    signed_diff: instance,
    abs_diff: instance,
    label_agree: null,
    primary_latency_ms: 1,
    shadow_latency_ms: 2,
    error: null,
    slices: {},
    created_at: 2_000,
  };
}

function profile(
  model: string,
  feature: string,
  bucket: number,
  count: number,
  bins: Record<string, number>,
  extra: Partial<ProfileRecord> = {},
): ProfileRecord {
  return {
    kind: 'profile',
    model,
    version: '1',
    bucket,
    bucket_ms: 60_000,
    feature,
    count,
    nulls: 0,
    invalid: 0,
    sum: count,
    sum_sq: count,
    min: 1,
    max: 1,
    bins,
    ...extra,
  };
}

function batchOf(messages: { id: string; attempts?: number; body: TelemetryMessage }[]): MessageBatch<TelemetryMessage> {
  return createMessageBatch<TelemetryMessage>(
    'vigil-telemetry',
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
}

/** The delay each retried message asked for (getQueueResult records which messages retried, not their delay). */
function retryDelays(batch: MessageBatch<TelemetryMessage>): Map<string, number | undefined> {
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, 'retry').mockImplementation((options?: QueueRetryOptions) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    });
  }
  return delays;
}

async function runQueueHandler(batch: MessageBatch<TelemetryMessage>) {
  await telemetryWorker.queue(batch, workerEnv);
  return getQueueResult(batch, createExecutionContext());
}

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await d1
    .prepare(sql)
    .bind(...params)
    .first<{ n: number | null }>();
  return row?.n ?? 0;
}

/** A Database whose batches (the consumer's one transaction per message) always fail. */
function failingDatabase(): D1Database {
  return new Proxy(d1, {
    get(target, prop, receiver) {
      if (prop === 'batch') return async () => Promise.reject(new Error('D1_ERROR: Network connection lost.'));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function fakeQueue(fail = false) {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      if (fail) throw new Error('dead-letter queue unavailable');
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      if (fail) throw new Error('dead-letter queue unavailable');
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue<TelemetryMessage> };
}

describe('telemetry queue consumer', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  it('writes a message of many records as multi-row statements of at most 100 bound parameters, and all rows land', async () => {
    const model = 'consumer-batching';
    const bucket = 60_000 * 1000;
    const features = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const message: TelemetryMessage = {
      id: 'batching-1',
      records: [
        ...Array.from({ length: 30 }, (_, i) => sample(model, `req-${i}`, i)),
        ...Array.from({ length: 12 }, (_, i) => comparison(model, 'req-c', i)),
        ...features.map((f, i) => profile(model, f, bucket, 10 + i, { '0': 1, '1': 2, '2': 7 + i })),
      ],
    };

    const statements = messageStatements(message, Date.now());
    expect(statements.length).toBeGreaterThan(4);
    for (const s of statements) expect(s.params.length).toBeLessThanOrEqual(MAX_BOUND_PARAMETERS);
    // Multi-row: far fewer statements than the 30 + 12 + 40 + 120 rows.
    expect(statements.length).toBeLessThan(30);

    const result = await runQueueHandler(batchOf([{ id: 'q-batching-1', body: message }]));
    expect(result.explicitAcks).toEqual(['q-batching-1']);
    expect(result.retryMessages).toEqual([]);

    expect(await count('SELECT count(*) AS n FROM prediction_samples WHERE model = ?', model)).toBe(30);
    expect(await count('SELECT count(*) AS n FROM shadow_comparisons WHERE model = ?', model)).toBe(12);
    expect(await count('SELECT count(*) AS n FROM feature_profiles WHERE model = ?', model)).toBe(40);
    expect(await count('SELECT count(*) AS n FROM profile_bins WHERE model = ?', model)).toBe(120);
    // Σ (10 + i) for i < 40, and the bins: Σ (1 + 2 + 7 + i).
    expect(await count('SELECT sum(count) AS n FROM feature_profiles WHERE model = ?', model)).toBe(40 * 10 + 780);
    expect(await count('SELECT sum(count) AS n FROM profile_bins WHERE model = ?', model)).toBe(40 * 10 + 780);
    const stored = await d1
      .prepare('SELECT features, slices, prediction, score FROM prediction_samples WHERE model = ? AND request_id = ?')
      .bind(model, 'req-7')
      .first<{ features: string; slices: string; prediction: string; score: number }>();
    expect(JSON.parse(stored!.features)).toEqual({ x: 7, city: 'Zürich' });
    expect(JSON.parse(stored!.slices)).toEqual({ latitude: '(-∞, 34]' });
    expect(JSON.parse(stored!.prediction)).toEqual({ value: 14 });
    expect(stored!.score).toBe(14);
  });

  it('applies a message sent in the table form exactly as one of the records themselves', async () => {
    const bucket = 60_000 * 1500;
    const recordsOf = (model: string) => [
      // Samples and comparisons are keyed by request id: each model's its own.
      ...Array.from({ length: 5 }, (_, i) => sample(model, `req-${model}`, i)),
      ...Array.from({ length: 3 }, (_, i) => comparison(model, `req-${model}`, i)),
      profile(model, 'x', bucket, 4, { '1': 3, '2': 1 }),
      { kind: 'dropped' as const, records: 2, at: 1 },
    ];
    const [packed] = packMessages(recordsOf('consumer-tables'), 100_000, () => 'tables-1');
    const text = serializedMessage(packed!).json;
    expect(JSON.parse(text)).toHaveProperty('tables');
    const before = await count("SELECT value AS n FROM telemetry_counters WHERE name = 'dropped_in_isolates'");
    const sent = createMessageBatch<TelemetryMessage | string>('vigil-telemetry', [
      { id: 'q-tables', timestamp: new Date(), attempts: 1, body: text },
      { id: 'q-records', timestamp: new Date(), attempts: 1, body: { id: 'records-1', records: recordsOf('consumer-records') } },
    ]);
    await telemetryWorker.queue(sent, workerEnv);
    expect((await getQueueResult(sent, createExecutionContext())).explicitAcks.sort()).toEqual(['q-records', 'q-tables']);
    const rows = async (table: string, model: string) => {
      const { results } = await d1.prepare(`SELECT * FROM ${table} WHERE model = ? ORDER BY 1, 2, 3, 4, 5`).bind(model).all();
      return results.map(({ model: _, request_id: id, ...rest }) => ({ ...rest, request_id: String(id).replace(model, '') }));
    };
    for (const table of ['prediction_samples', 'shadow_comparisons', 'feature_profiles', 'profile_bins']) {
      const stored = await rows(table, 'consumer-tables');
      expect(stored.length).toBeGreaterThan(0);
      expect(stored).toEqual(await rows(table, 'consumer-records'));
    }
    expect(await count("SELECT value AS n FROM telemetry_counters WHERE name = 'dropped_in_isolates'")).toBe(before + 4);
  });

  it('applies a redelivered message once: profile counts and samples are not doubled', async () => {
    const model = 'consumer-idempotent';
    const bucket = 60_000 * 2000;
    const message: TelemetryMessage = {
      id: 'idem-1',
      records: [
        sample(model, 'req-a', 0),
        sample(model, 'req-a', 1),
        profile(model, '__instances__', bucket, 2, {}),
        profile(model, 'x', bucket, 2, { '3': 2 }, { min: -1, max: 4 }),
      ],
    };
    const first = await runQueueHandler(batchOf([{ id: 'q-1', body: message }]));
    expect(first.explicitAcks).toEqual(['q-1']);
    // The queue delivers the same message again (at-least-once), in a later batch and within one batch.
    const again = await runQueueHandler(batchOf([{ id: 'q-1', attempts: 2, body: message }]));
    expect(again.explicitAcks).toEqual(['q-1']);
    expect(again.retryMessages).toEqual([]);
    const twice = await runQueueHandler(
      batchOf([
        { id: 'q-2', body: message },
        { id: 'q-3', body: message },
      ]),
    );
    expect(twice.explicitAcks.sort()).toEqual(['q-2', 'q-3']);

    expect(await count('SELECT count(*) AS n FROM prediction_samples WHERE model = ?', model)).toBe(2);
    expect(await count('SELECT sum(count) AS n FROM feature_profiles WHERE model = ? AND feature = ?', model, '__instances__')).toBe(2);
    expect(await count('SELECT sum(count) AS n FROM profile_bins WHERE model = ? AND feature = ?', model, 'x')).toBe(2);

    // A different message merges into the same bucket (that is new traffic), but a sample it repeats stays one row.
    const next: TelemetryMessage = {
      id: 'idem-2',
      records: [sample(model, 'req-a', 1), profile(model, 'x', bucket, 3, { '3': 1, '4': 2 }, { min: -5, max: 2 })],
    };
    expect((await runQueueHandler(batchOf([{ id: 'q-4', body: next }]))).explicitAcks).toEqual(['q-4']);
    expect(await count('SELECT count(*) AS n FROM prediction_samples WHERE model = ?', model)).toBe(2);
    const x = await d1
      .prepare('SELECT count, min, max FROM feature_profiles WHERE model = ? AND feature = ?')
      .bind(model, 'x')
      .first<{ count: number; min: number; max: number }>();
    expect(x).toEqual({ count: 5, min: -5, max: 4 });
    const bins = await d1
      .prepare('SELECT bin, count FROM profile_bins WHERE model = ? AND feature = ? ORDER BY bin')
      .bind(model, 'x')
      .all<{ bin: string; count: number }>();
    expect(bins.results).toEqual([
      { bin: '3', count: 3 },
      { bin: '4', count: 2 },
    ]);
  });

  it('merges min/max with nulls: a null side keeps the other', async () => {
    const model = 'consumer-minmax';
    const bucket = 60_000 * 3000;
    const apply = (id: string, min: number | null, max: number | null) =>
      runQueueHandler(batchOf([{ id: `q-${id}`, body: { id, records: [profile(model, 'x', bucket, 1, {}, { min, max })] } }]));
    await apply('mm-1', null, null);
    await apply('mm-2', 3, 8);
    await apply('mm-3', null, null);
    await apply('mm-4', 0, 0);
    const x = await d1.prepare('SELECT count, min, max FROM feature_profiles WHERE model = ?').bind(model).first();
    expect(x).toEqual({ count: 4, min: 0, max: 8 });
  });

  it('retries a message with a delay when D1 fails, and writes nothing of it', async () => {
    const model = 'consumer-retry';
    const message: TelemetryMessage = { id: 'retry-1', records: [sample(model, 'req-r'), profile(model, '__instances__', 0, 1, {})] };
    const batch = batchOf([
      { id: 'q-r1', attempts: 1, body: message },
      { id: 'q-r2', attempts: 3, body: { ...message, id: 'retry-2' } },
    ]);
    const delays = retryDelays(batch);
    const ctx = createExecutionContext();
    await consumeTelemetry(batch, { d1: failingDatabase(), maxAttempts: 6 });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'q-r1' }, { msgId: 'q-r2' }]);
    // Backoff over minutes (issue 11: it used to reach the dead-letter queue after a minute): 30 s × 2^(attempts - 1).
    expect([...delays]).toEqual([
      ['q-r1', 30],
      ['q-r2', 120],
    ]);
    expect(await count('SELECT count(*) AS n FROM prediction_samples WHERE model = ?', model)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM telemetry_batches WHERE id IN (?, ?)', 'retry-1', 'retry-2')).toBe(0);

    // Once D1 is back, the retried message is applied.
    const later = batchOf([{ id: 'q-r1', attempts: 2, body: message }]);
    await consumeTelemetry(later, { d1, maxAttempts: 6 });
    expect((await getQueueResult(later, createExecutionContext())).explicitAcks).toEqual(['q-r1']);
    expect(await count('SELECT count(*) AS n FROM prediction_samples WHERE model = ?', model)).toBe(1);
  });

  it('sends a message that failed maxAttempts times to the dead-letter queue and acks it', async () => {
    const { sent, queue } = fakeQueue();
    const message: TelemetryMessage = { id: 'dlq-1', records: [sample('consumer-dlq', 'req-d')] };
    const batch = batchOf([
      { id: 'q-d1', attempts: 6, body: message },
      { id: 'q-d2', attempts: 5, body: { ...message, id: 'dlq-2' } },
    ]);
    const delays = retryDelays(batch);
    await consumeTelemetry(batch, { d1: failingDatabase(), deadLetters: queue, maxAttempts: 6 });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual(['q-d1']);
    expect(result.retryMessages).toEqual([{ msgId: 'q-d2' }]);
    expect([...delays]).toEqual([['q-d2', 480]]);
    expect(sent).toEqual([message]);
  });

  it('keeps retrying when the dead-letter queue itself fails, rather than dropping the message', async () => {
    const { queue } = fakeQueue(true);
    const batch = batchOf([{ id: 'q-d3', attempts: 9, body: { id: 'dlq-3', records: [sample('consumer-dlq', 'req-e')] } }]);
    const delays = retryDelays(batch);
    await consumeTelemetry(batch, { d1: failingDatabase(), deadLetters: queue, maxAttempts: 6 });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'q-d3' }]);
    expect([...delays]).toEqual([['q-d3', 3600]]);
  });
});

describe('queueSender', () => {
  it('sends batches of at most 100 messages and 256 KB (counted in UTF-8 bytes), each message as its JSON text', async () => {
    const batches: { body: string; contentType: string }[][] = [];
    const queue = {
      async sendBatch(messages: Iterable<{ body: string; contentType: string }>) {
        batches.push([...messages]);
      },
    } as unknown as Queue<string>;
    const send = queueSender(queue);
    // 250 small messages, then 30 messages of ~30,000 characters that are ~90 KB in UTF-8 each.
    const small = Array.from({ length: 250 }, (_, i) => ({ id: `s${i}`, records: [sample('toy', `r${i}`)] }));
    const large = Array.from({ length: 30 }, (_, i) => ({
      id: `l${i}`,
      records: [{ ...sample('toy', `L${i}`), features: { note: '東'.repeat(30_000) } }],
    }));
    await send([...small, ...large]);
    const bytes = (m: { body: string }) => new TextEncoder().encode(m.body).length;
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(100);
      expect(b.reduce((n, m) => n + bytes(m), 0)).toBeLessThanOrEqual(256_000);
      for (const m of b) expect(m.contentType).toBe('text');
    }
    expect(batches.flat().map((m) => decodeMessage(m.body).id)).toEqual([...small, ...large].map((m) => m.id));
    expect(decodeMessage(batches[0]![0]!.body)).toEqual(small[0]);
  });
});
