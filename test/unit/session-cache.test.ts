import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import type { ModelRuntime } from '../../src/inference/model-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';

const bytes = async () => new Uint8Array([1]);

describe('SessionCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

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

  it('a run that joins a load which never settles (its request was torn down) loads the session again after 30 s', async () => {
    vi.useFakeTimers();
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(runtime);
    void cache.use(
      'x',
      () => new Promise<Uint8Array>(() => undefined),
      async () => 'never',
    );
    vi.advanceTimersByTime(10_000);
    let answer: string | undefined;
    void cache.use('x', bytes, async (session) => (answer = session.inputs[0]!.name)).catch(String);
    await vi.advanceTimersByTimeAsync(19_999);
    expect([answer, runtime.sessionsCreated]).toEqual([undefined, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toBeDefined();
    expect(runtime.sessionsCreated).toBe(1);
    // Later runs use that session, at once.
    await expect(cache.use('x', bytes, async () => 'again')).resolves.toBe('again');
    expect([runtime.sessionsCreated, cache.size]).toEqual([1, 1]);
  });

  it('releases the session of a replaced load should it come after all, once no run is on it', async () => {
    vi.useFakeTimers();
    const runtime = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(runtime);
    let late!: (bytes: Uint8Array) => void;
    const first = cache.use(
      'x',
      () => new Promise<Uint8Array>((resolve) => (late = resolve)),
      async (session) => session,
    );
    vi.advanceTimersByTime(30_000);
    const second = await cache.get('x', bytes); // the first load is taken to be lost: a new one
    late(new Uint8Array([1]));
    const slow = await first; // its own caller still runs on it, and the session is released after that run
    expect(slow).not.toBe(second);
    await vi.advanceTimersByTimeAsync(0);
    expect([runtime.sessionsCreated, runtime.sessionsReleased]).toEqual([2, 1]);
    await expect(cache.use('x', bytes, async (session) => session)).resolves.toBe(second);
  });
});
