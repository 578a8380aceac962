import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, utf8Bytes } from '../../../src/telemetry/message-format.ts';
import type { PredictionSampleRecord, ShadowComparisonRecord, TelemetryMessage, TelemetryRecord } from '../../../src/telemetry/records.ts';

function sample(requestId: string, instance: number): PredictionSampleRecord {
  return {
    kind: 'sample',
    request_id: requestId,
    instance,
    model: 'california-housing',
    version: '2',
    role: 'primary',
    features: { MedInc: 3.2596, HouseAge: 33, city: 'Zürich' },
    prediction: { value: Math.fround(1.03) },
    score: Math.fround(1.03),
    label: null,
    latency_ms: 0.84,
    slices: { latitude: '(-∞, 34]' },
    created_at: 1_796_312_584_158,
  };
}

function comparison(requestId: string, instance: number): ShadowComparisonRecord {
  return {
    kind: 'comparison',
    request_id: requestId,
    instance,
    model: 'california-housing',
    primary_version: '2',
    shadow_version: '1',
    primary_prediction: { value: 1 },
    shadow_prediction: null,
    primary_score: 1,
    shadow_score: null,
    primary_label: null,
    shadow_label: null,
    signed_diff: null,
    abs_diff: null,
    label_agree: null,
    primary_latency_ms: 0.5,
    shadow_latency_ms: null,
    error: 'shadow failed: "x" 😀',
    slices: {},
    created_at: 1,
  };
}

const utf8 = (text: string) => new TextEncoder().encode(text).length;
const byKind = (records: readonly TelemetryRecord[]) => [...records].sort((a, b) => a.kind.localeCompare(b.kind));

describe('telemetry message format', () => {
  it('decodes what it encodes: the same records, grouped by kind, with the exact UTF-8 size', () => {
    const records: TelemetryRecord[] = [
      sample('r1', 0),
      comparison('r1', 0),
      sample('r1', 1),
      { kind: 'dropped', records: 7, at: 3 },
      comparison('r1', 1),
    ];
    const { json, bytes } = encodeMessage({ id: 'm-1', records });
    expect(bytes).toBe(utf8(json));
    const decoded = decodeMessage(json);
    expect(decoded.id).toBe('m-1');
    // Within a kind the order is kept; kinds come in the order they first appear.
    expect(decoded.records.map((r) => r.kind)).toEqual(['sample', 'sample', 'comparison', 'comparison', 'dropped']);
    expect(byKind(decoded.records)).toEqual(byKind(records));
    expect(JSON.parse(json).tables.map((t: { kind: string }) => t.kind)).toEqual(['sample', 'comparison', 'dropped']);
  });

  it('names each field once per table: a message of samples is far smaller than the records as JSON', () => {
    const records = Array.from({ length: 100 }, (_, i) => sample('0e4f4c3a-5b77-4bde-9d2b-2b1f3c1d7e10', i));
    const { json } = encodeMessage({ id: 'm-2', records });
    const plain = JSON.stringify({ id: 'm-2', records });
    expect(utf8(json)).toBeLessThan(utf8(plain) * 0.75);
    expect(json.split('"request_id"').length - 1).toBe(1);
  });

  it('keeps records of one kind with different fields apart, and leaves out undefined fields as JSON does', () => {
    const plain = sample('r1', 0);
    const extra = { ...sample('r1', 1), note: 'added' } as unknown as TelemetryRecord;
    const missing = { ...sample('r1', 2), label: undefined } as unknown as TelemetryRecord;
    const { json } = encodeMessage({ id: 'm-3', records: [plain, extra, missing] });
    expect(JSON.parse(json).tables).toHaveLength(3);
    expect(decodeMessage(json).records).toEqual(JSON.parse(JSON.stringify([plain, extra, missing])));
  });

  it('reads messages of older producers: the records themselves, as text or as an object', () => {
    const message: TelemetryMessage = { id: 'old-1', records: [sample('r1', 0), comparison('r1', 0)] };
    expect(decodeMessage(JSON.stringify(message))).toEqual(message);
    expect(decodeMessage(message)).toEqual(message);
  });
});

describe('utf8Bytes', () => {
  it('counts UTF-8 bytes exactly, past its 64 KB buffer and across multi-byte characters at its edges', () => {
    for (const text of ['', 'a', 'é😀a', 'x'.repeat(200_000), `${'a'.repeat(65_535)}😀${'é'.repeat(40_000)}`, '東'.repeat(70_000)]) {
      expect(utf8Bytes(text)).toBe(utf8(text));
    }
  });
});
