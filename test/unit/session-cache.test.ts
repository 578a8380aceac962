import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import type { ModelRuntime } from '../../src/inference/model-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';

const bytes = async () => new Uint8Array([1]);

describe('SessionCache', () => {
  it('creates one session per sha256 even for concurrent callers', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(runtime);
    const [a, b] = await Promise.all([cache.get('x', bytes), cache.get('x', bytes)]);
    expect(a).toBe(b);
    expect(runtime.sessionsCreated).toBe(1);
  });

  it('evicts the least recently used session beyond its capacity', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(runtime, 2);
    await cache.get('a', bytes);
    await cache.get('b', bytes);
    await cache.get('a', bytes); // a is now the most recent
    await cache.get('c', bytes); // evicts b
    expect(cache.size).toBe(2);
    await cache.get('a', bytes);
    expect(runtime.sessionsCreated).toBe(3);
    await cache.get('b', bytes);
    expect(runtime.sessionsCreated).toBe(4);
  });

  it("gives each runtime the sha256 of the bytes it loads (so the compiled one can use the build's tree image)", async () => {
    const seen: [string, string | undefined][] = [];
    const recording = (engine: string, inner: ModelRuntime): ModelRuntime => ({
      createSession: (b, sha256) => {
        seen.push([engine, sha256]);
        return inner.createSession(b, sha256);
      },
    });
    const fake = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(recording('onnxruntime', fake), 16, recording('compiled', fake));
    await cache.get('a'.repeat(64), bytes, 'compiled');
    await cache.get('b'.repeat(64), bytes, 'onnxruntime');
    expect(seen).toEqual([
      ['compiled', 'a'.repeat(64)],
      ['onnxruntime', 'b'.repeat(64)],
    ]);
  });

  it('does not cache a failed load, so the next request retries', async () => {
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(runtime);
    await expect(cache.get('x', async () => Promise.reject(new Error('r2 down')))).rejects.toThrow('r2 down');
    await new Promise((r) => setTimeout(r, 0));
    await expect(cache.get('x', bytes)).resolves.toBeDefined();
  });
});
