/**
 * Memory under hostile bodies (issue 11): a 1 MiB body of `{}` instances is refused for its count before it is
 * parsed, and a model push without Content-Length is refused as soon as it passes the cap, not read whole.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PUSH_BYTES } from '../../src/api/admin.ts';
import { admin, postJson, type ApiError } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

describe('large prediction bodies', () => {
  it('refuses 1 MiB of empty instances as too many before parsing it', async () => {
    const body = `{"instances":[${Array.from({ length: 300_000 }, () => '{}').join(',')}]}`;
    expect(body.length).toBeLessThan(1024 * 1024);
    const parse = vi.spyOn(JSON, 'parse');
    const res = await postJson('/v1/models/california-housing/predict', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiError).error.code).toBe('too_many_instances');
    expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > 100_000)).toBe(false);
  });

  it('refuses a body of too many nested values on any JSON route before parsing it', async () => {
    const data = Array.from({ length: 100_000 }, () => '[]').join(',');
    const body = `{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[${data}]}]}`;
    const parse = vi.spyOn(JSON, 'parse');
    const res = await postJson('/v2/models/california-housing/infer', body);
    expect(res.status).toBe(400);
    expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > 100_000)).toBe(false);
  });
});

describe('model pushes without Content-Length', () => {
  it('are refused with 413 as soon as they pass the cap, without reading the rest', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let pulled = 0;
    const total = MAX_PUSH_BYTES + 16 * chunk.byteLength;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await admin('/models/california-housing/versions/99', {
      method: 'PUT',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ApiError).error.code).toBe('payload_too_large');
    expect(pulled).toBeLessThanOrEqual(MAX_PUSH_BYTES + 2 * chunk.byteLength);
  });
});
