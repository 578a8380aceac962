import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { packMessages, serializedMessage, TelemetryBuffer, type MessageSender } from '../../../src/telemetry/buffer.ts';
import { decodeMessage } from '../../../src/telemetry/message-format.ts';
import type { PredictionSampleRecord, TelemetryMessage, TelemetryRecord } from '../../../src/telemetry/records.ts';

function sample(requestId: string, padding = ''): PredictionSampleRecord {
  return {
    kind: 'sample',
    request_id: requestId,
    instance: 0,
    model: 'toy',
    version: '1',
    role: 'primary',
    features: { x: 1, note: padding },
    prediction: { value: 1 },
    score: 1,
    label: null,
    latency_ms: 1,
    slices: {},
    created_at: 0,
  };
}

/** A message's size as sent: the UTF-8 bytes of its JSON (the table form). */
const utf8Bytes = (message: TelemetryMessage) => new TextEncoder().encode(serializedMessage(message).json).length;

function recordingSender(): { send: MessageSender; calls: TelemetryMessage[][] } {
  const calls: TelemetryMessage[][] = [];
  return { calls, send: async (messages) => void calls.push(messages.map((m) => structuredClone(m))) };
}

function collector() {
  const tasks: Promise<unknown>[] = [];
  return {
    tasks,
    background: (task: Promise<unknown>) => void tasks.push(task),
    async settle() {
      for (let i = 0; i < tasks.length; i++) await tasks[i];
    },
  };
}

function profile(feature: string): TelemetryRecord {
  return {
    kind: 'profile',
    model: 'toy',
    version: '1',
    bucket: 0,
    bucket_ms: 60_000,
    feature,
    count: 2,
    nulls: 0,
    invalid: 0,
    sum: 0,
    sum_sq: 0,
    min: null,
    max: null,
    bins: {},
  };
}

const ids = (records: readonly TelemetryRecord[]) =>
  records.map((r) => (r.kind === 'profile' ? r.feature : r.kind === 'dropped' ? 'dropped' : r.request_id));

/** A sender whose first send does not return until `release` (a slow queue); each send's record ids in `calls`. */
function firstSendHeld(afterEach: () => void = () => undefined): { send: MessageSender; calls: string[][]; release: () => void } {
  const calls: string[][] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const send: MessageSender = async (messages) => {
    calls.push(messages.flatMap((m) => ids(m.records)));
    if (calls.length === 1) await gate;
    afterEach();
  };
  return { send, calls, release: () => open() };
}

/** A buffer whose sends fail until `recover()`; what the queue took afterwards in `delivered`. */
function failingUntilRecovered(options: ConstructorParameters<typeof TelemetryBuffer>[1]) {
  let fail = true;
  const delivered: TelemetryMessage[] = [];
  const buffer = new TelemetryBuffer(async (messages) => {
    if (fail) throw new Error('queue unavailable');
    delivered.push(...messages);
  }, options);
  return { buffer, delivered, recover: () => void (fail = false) };
}

describe('packMessages', () => {
  it('keeps every message within maxBytes serialized, in order, losing no record', () => {
    const records = Array.from({ length: 200 }, (_, i) => sample(`r${i}`, 'x'.repeat((i * 37) % 400)));
    const messages = packMessages(records, 4_000, () => crypto.randomUUID());
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(utf8Bytes(m)).toBeLessThanOrEqual(4_000);
    expect(messages.flatMap((m) => ids(m.records))).toEqual(ids(records));
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
  });

  it('counts bytes, not characters: records with multi-byte text still fit the limit', () => {
    // "(-∞, 34]" slice labels and non-Latin category names are 2-3 bytes per character in UTF-8.
    const records = Array.from({ length: 120 }, (_, i) => ({
      ...sample(`r${i}`, '東京都'.repeat(40)),
      slices: { latitude: '(-∞, 34]' },
    }));
    const messages = packMessages(records, 5_000, () => crypto.randomUUID());
    for (const m of messages) expect(utf8Bytes(m)).toBeLessThanOrEqual(5_000);
    expect(messages.flatMap((m) => ids(m.records))).toEqual(ids(records));
  });

  it('makes no message of no records', () => {
    expect(packMessages([], 1000, () => 'id')).toEqual([]);
  });
});

describe('TelemetryBuffer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sends as soon as maxRecords are waiting, all of them in one message', async () => {
    const { send, calls } = recordingSender();
    const buffer = new TelemetryBuffer(send, { maxRecords: 3, flushMs: 60_000 });
    const bg = collector();
    buffer.add([sample('a'), sample('b')], bg.background);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(0);
    buffer.add([sample('c')], bg.background);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.flatMap((m) => ids(m.records))).toEqual(['a', 'b', 'c']);
    expect(buffer.pending).toBe(0);
  });

  it('sends what is waiting flushMs after the first record, not before', async () => {
    const { send, calls } = recordingSender();
    const buffer = new TelemetryBuffer(send, { maxRecords: 100, flushMs: 50 });
    const bg = collector();
    buffer.add([sample('a')], bg.background);
    await vi.advanceTimersByTimeAsync(20);
    buffer.add([sample('b')], bg.background);
    await vi.advanceTimersByTimeAsync(29);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await bg.settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.flatMap((m) => ids(m.records))).toEqual(['a', 'b']);
    // One timer for both records: the second add did not schedule another.
    expect(bg.tasks).toHaveLength(1);
  });

  it('drains its sources (the profile accumulator) at every flush', async () => {
    const { send, calls } = recordingSender();
    const buffer = new TelemetryBuffer(send, { flushMs: 0 });
    let drained = 0;
    buffer.addSource(() => (drained++ === 0 ? [profile('__instances__')] : []));
    const bg = collector();
    buffer.schedule(bg.background);
    await bg.settle();
    expect(calls).toHaveLength(1);
    expect(ids(calls[0]![0]!.records)).toEqual(['__instances__']);
  });

  it('splits a large flush into messages under maxMessageBytes', async () => {
    const { send, calls } = recordingSender();
    const buffer = new TelemetryBuffer(send, { flushMs: 0, maxMessageBytes: 2_000 });
    const bg = collector();
    const records = Array.from({ length: 50 }, (_, i) => sample(`r${i}`, 'é'.repeat(100)));
    buffer.add(records, bg.background);
    await bg.settle();
    const messages = calls.flat();
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(utf8Bytes(m)).toBeLessThanOrEqual(2_000);
    expect(messages.flatMap((m) => ids(m.records))).toEqual(ids(records));
  });

  it('keeps the messages of a failed send and resends them later with the same ids', async () => {
    const sent: TelemetryMessage[][] = [];
    let fail = true;
    const buffer = new TelemetryBuffer(
      async (messages) => {
        sent.push(structuredClone(messages));
        if (fail) throw new Error('queue unavailable');
      },
      { flushMs: 0 },
    );
    const bg = collector();
    buffer.add([sample('a'), sample('b')], bg.background);
    await bg.settle();
    expect(buffer.sendFailures).toBe(1);
    expect(buffer.pending).toBe(2);
    const failedIds = sent[0]!.map((m) => m.id);

    fail = false;
    buffer.add([sample('c')], bg.background);
    await bg.settle();
    expect(buffer.pending).toBe(0);
    // The failed messages go first, as they were; the new record follows in a message of its own.
    const resent = sent.slice(1).flat();
    expect(resent.slice(0, failedIds.length).map((m) => m.id)).toEqual(failedIds);
    expect(resent.slice(0, failedIds.length).flatMap((m) => ids(m.records))).toEqual(['a', 'b']);
    expect(resent.slice(failedIds.length).flatMap((m) => ids(m.records))).toEqual(['c']);
    expect(failedIds).not.toContain(resent[resent.length - 1]!.id);
    expect(buffer.dropped).toBe(0);
  });

  it('drops the oldest records beyond maxPendingRecords while sends fail, and counts them', async () => {
    const { buffer, delivered, recover } = failingUntilRecovered({ flushMs: 0, maxPendingRecords: 5 });
    const bg = collector();
    for (const batch of [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]) {
      buffer.add(
        batch.map((id) => sample(id)),
        bg.background,
      );
      await bg.settle();
    }
    // 6 > 5: the oldest message (a, b) is dropped as e and f arrive; c to f wait, with the record reporting the loss.
    expect(buffer.dropped).toBe(2);
    expect(buffer.pending).toBe(5);
    recover();
    buffer.schedule(bg.background);
    await bg.settle();
    expect(delivered.flatMap((m) => ids(m.records.filter((r) => r.kind !== 'dropped')))).toEqual(['c', 'd', 'e', 'f']);
    expect(buffer.dropped).toBe(2);
    // The loss is reported with the first message the queue takes (issue 11: counted, never silent).
    expect(delivered.flatMap((m) => m.records).filter((r) => r.kind === 'dropped')).toEqual([
      { kind: 'dropped', records: 2, at: expect.any(Number) },
    ]);
  });

  it('keeps what waits within maxPendingRecords while a send hangs (a slow queue), dropping and counting the oldest', async () => {
    // A send that does not return for a while must not let records pile up in the isolate: at the reference load
    // that is thousands of records a second, and an isolate has 128 MB.
    const calls: TelemetryMessage[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const buffer = new TelemetryBuffer(
      async (messages) => {
        calls.push(messages);
        if (calls.length === 1) await gate;
      },
      { flushMs: 0, maxPendingRecords: 10 },
    );
    const bg = collector();
    for (let i = 0; i < 100; i++) buffer.add([sample(`r${i}`)], bg.background);
    // r0 is in the hanging send; of r1..r99, at most 10 wait, and every one not waiting is counted as dropped.
    expect(calls.map((m) => m.flatMap((x) => ids(x.records)))).toEqual([['r0']]);
    expect(buffer.pending).toBeLessThanOrEqual(10);
    expect(buffer.pending).toBeGreaterThan(0);
    expect(buffer.dropped).toBe(99 - buffer.pending);
    const waiting = buffer.pending;
    release();
    await bg.settle();
    const later = calls.slice(1).flatMap((m) => m.flatMap((x) => x.records));
    // The newest records are the ones kept, in order, and the loss is reported with them.
    expect(ids(later.filter((r) => r.kind !== 'dropped'))).toEqual(Array.from({ length: waiting }, (_, i) => `r${100 - waiting + i}`));
    expect(later.filter((r) => r.kind === 'dropped')).toEqual([{ kind: 'dropped', records: 99 - waiting, at: expect.any(Number) }]);
  });

  it('keeps what waits within maxPendingBytes while a send hangs: wide records are capped by size, not only count', async () => {
    // A model of many features sampled at a high rate: 20,000 records of ~10 KB each would be 200 MB in an
    // isolate of 128 MB. Here 99 records of ~10 KB wait behind a hanging send, with room for ~100 KB.
    const { send, calls, release } = firstSendHeld();
    const buffer = new TelemetryBuffer(send, { flushMs: 0, maxPendingBytes: 100_000 });
    const bg = collector();
    const wide = 'w'.repeat(10_000);
    for (let i = 0; i < 100; i++) buffer.add([sample(`r${i}`, wide)], bg.background);
    expect(calls).toEqual([['r0']]);
    expect(buffer.pendingBytes).toBeLessThanOrEqual(100_000);
    expect(buffer.pending).toBeGreaterThanOrEqual(5);
    expect(buffer.pending).toBeLessThanOrEqual(10);
    expect(buffer.dropped).toBe(99 - buffer.pending);
    // What pendingBytes counts is about the records' JSON size.
    const one = new TextEncoder().encode(JSON.stringify(sample('r1', wide))).length;
    expect(buffer.pendingBytes / buffer.pending).toBeGreaterThan(one * 0.9);
    expect(buffer.pendingBytes / buffer.pending).toBeLessThan(one * 1.1);
    const waiting = buffer.pending;
    release();
    await bg.settle();
    // The newest are kept and sent, and the loss is reported with them.
    const later = calls.slice(1).flat();
    expect(later.filter((id) => id !== 'dropped')).toEqual(Array.from({ length: waiting }, (_, i) => `r${100 - waiting + i}`));
    expect(later).toContain('dropped');
    expect([buffer.pending, buffer.pendingBytes]).toEqual([0, 0]);
  });

  it('counts the bytes of failed sends kept for the next flush, and sheds them oldest first beyond maxPendingBytes', async () => {
    const { buffer, delivered, recover } = failingUntilRecovered({ flushMs: 0, maxPendingBytes: 50_000 });
    const bg = collector();
    const wide = 'w'.repeat(10_000);
    for (let i = 0; i < 12; i++) {
      buffer.add([sample(`r${i}`, wide)], bg.background);
      await bg.settle();
    }
    expect(buffer.pendingBytes).toBeLessThanOrEqual(50_000);
    expect(buffer.dropped).toBeGreaterThanOrEqual(6);
    recover();
    buffer.schedule(bg.background);
    await bg.settle();
    // What was kept arrives, the newest in order, and the count of the rest with it: nothing lost silently.
    const records = delivered.flatMap((m) => m.records);
    const kept = ids(records.filter((r) => r.kind !== 'dropped'));
    expect(kept).toEqual(Array.from({ length: 12 - buffer.dropped }, (_, i) => `r${buffer.dropped + i}`));
    expect(records.reduce((n, r) => n + (r.kind === 'dropped' ? r.records : 0), 0)).toBe(buffer.dropped);
    expect([buffer.pending, buffer.pendingBytes]).toEqual([0, 0]);
  });

  it('sends a full buffer (maxRecords) in sends of sendRecords records each, in order', async () => {
    const calls: string[][] = [];
    const buffer = new TelemetryBuffer(async (messages) => void calls.push(messages.flatMap((m) => ids(m.records))), {
      maxRecords: 10,
      sendRecords: 4,
      flushMs: 60_000,
    });
    const bg = collector();
    buffer.add(
      Array.from({ length: 10 }, (_, i) => sample(`r${i}`)),
      bg.background,
    );
    await bg.settle();
    expect(calls).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r8', 'r9'],
    ]);
  });

  it('leaves records that arrive while a flush is sending for the next flush, not for small sends of their own', async () => {
    const { send, calls, release } = firstSendHeld();
    const buffer = new TelemetryBuffer(send, { maxRecords: 10, sendRecords: 4, flushMs: 60_000 });
    const bg = collector();
    buffer.add(
      Array.from({ length: 10 }, (_, i) => sample(`r${i}`)),
      bg.background,
    );
    await vi.advanceTimersByTimeAsync(0);
    buffer.add([sample('late1'), sample('late2')], bg.background);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r8', 'r9'],
    ]);
    expect(buffer.pending).toBe(2);
    // They go with the flush timer (flushMs after they arrived), as any record below maxRecords does.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.slice(3)).toEqual([['late1', 'late2']]);
    expect(buffer.pending).toBe(0);
  });

  it('sends a backlog built behind a slow send in chunks of at most sendRecords records, one packed at a time', async () => {
    // Packing is synchronous (every record's JSON): a backlog of thousands packed in one go stalled the isolate
    // for tens of milliseconds (50-70 ms for 20,000 records under the bench's 100-instance load).
    let packedWhileSending = 0;
    // The records of later chunks are still waiting in the buffer, not packed ahead of time.
    const { send, calls, release } = firstSendHeld(() => {
      packedWhileSending = Math.max(packedWhileSending, 2_001 - calls.flat().length - buffer.pending);
    });
    const buffer = new TelemetryBuffer(send, { flushMs: 0, sendRecords: 100, maxPendingRecords: 10_000 });
    const bg = collector();
    buffer.add([sample('r0')], bg.background);
    await vi.advanceTimersByTimeAsync(0);
    buffer.add(
      Array.from({ length: 2_000 }, (_, i) => sample(`r${i + 1}`)),
      bg.background,
    );
    release();
    await bg.settle();
    expect(calls.length).toBeGreaterThanOrEqual(21);
    for (const call of calls) expect(call.length).toBeLessThanOrEqual(100);
    expect(calls.flat()).toEqual(Array.from({ length: 2_001 }, (_, i) => `r${i}`));
    expect(packedWhileSending).toBe(0);
    expect(buffer.pending).toBe(0);
    expect(buffer.dropped).toBe(0);
  });

  it('keeps a failed chunk ahead of the records still waiting; the next flush resends it first, with the same ids', async () => {
    const sent: TelemetryMessage[][] = [];
    const buffer = new TelemetryBuffer(
      async (messages) => {
        sent.push(structuredClone(messages));
        if (sent.length === 2) throw new Error('queue unavailable');
      },
      { flushMs: 60_000, maxRecords: 2, sendRecords: 2 },
    );
    let drains = 0;
    buffer.addSource(() => (drains++ === 0 ? [profile('__instances__')] : []));
    const bg = collector();
    buffer.add(
      ['r0', 'r1', 'r2', 'r3', 'r4'].map((id) => sample(id)),
      bg.background,
    );
    await bg.settle();
    // The sources' records ride with the first chunk; the second chunk fails and the flush stops there.
    expect(sent.map((call) => call.flatMap((m) => ids(m.records)))).toEqual([
      ['__instances__', 'r0'],
      ['r1', 'r2'],
    ]);
    expect(buffer.sendFailures).toBe(1);
    expect(buffer.pending).toBe(4);
    await buffer.flush();
    expect(sent.slice(2).map((call) => call.flatMap((m) => ids(m.records)))).toEqual([
      ['r1', 'r2'],
      ['r3', 'r4'],
    ]);
    expect(sent[2]!.map((m) => m.id)).toEqual(sent[1]!.map((m) => m.id));
    expect(buffer.pending).toBe(0);
    expect(buffer.dropped).toBe(0);
  });

  it("keeps the sources' records when the resend ahead of them fails", async () => {
    let fail = true;
    const sent: string[][] = [];
    const buffer = new TelemetryBuffer(
      async (messages) => {
        sent.push(messages.flatMap((m) => ids(m.records)));
        if (fail) throw new Error('queue unavailable');
      },
      { flushMs: 60_000, maxRecords: 2, sendRecords: 2 },
    );
    const profiles = [[profile('p1')], [profile('p2')]];
    buffer.addSource(() => profiles.shift() ?? []);
    const bg = collector();
    buffer.add([sample('a'), sample('b')], bg.background);
    await bg.settle();
    buffer.add([sample('c'), sample('d')], bg.background);
    await bg.settle();
    // Second flush: the resend of (p1, a) failed first, so p2 was never sent: it waits with the rest.
    expect(sent).toEqual([
      ['p1', 'a'],
      ['p1', 'a'],
    ]);
    expect(buffer.pending).toBe(6);
    fail = false;
    await buffer.flush();
    expect(sent.slice(2).flat()).toEqual(['p1', 'a', 'p2', 'b', 'c', 'd']);
    expect(buffer.pending).toBe(0);
  });

  it('folds a flush asked for during a running one into it, sending the later records too', async () => {
    const { send, calls, release } = firstSendHeld();
    const buffer = new TelemetryBuffer(send, { flushMs: 0 });
    const bg = collector();
    buffer.add([sample('a')], bg.background);
    await vi.advanceTimersByTimeAsync(0);
    buffer.add([sample('b')], bg.background);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([['a']]);
    release();
    await bg.settle();
    expect(calls).toEqual([['a'], ['b']]);
  });
});

describe('serializedMessage', () => {
  it('gives the JSON of a packed message, which decodes to the same message, with its UTF-8 size', () => {
    const records = [sample('a', 'x'), sample('b', '東京'), sample('c', '😀')];
    const [message] = packMessages(records, 100_000, () => 'm1');
    const { json, bytes } = serializedMessage(message!);
    expect(decodeMessage(json)).toEqual(message);
    expect(bytes).toBe(new TextEncoder().encode(json).length);
  });

  it('encodes a message it did not pack the same way', () => {
    const message: TelemetryMessage = { id: 'm2', records: [sample('a'), { kind: 'dropped', records: 3, at: 5 }, sample('b')] };
    const { json, bytes } = serializedMessage(message);
    expect(bytes).toBe(new TextEncoder().encode(json).length);
    expect(decodeMessage(json).records).toEqual([sample('a'), sample('b'), { kind: 'dropped', records: 3, at: 5 }]);
  });
});
