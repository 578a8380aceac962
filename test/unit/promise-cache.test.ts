import { afterEach, describe, expect, it, vi } from 'vitest';
import { PromiseCache } from '../../src/lib/promise-cache.ts';

describe('PromiseCache', () => {
  it('loads once for concurrent callers and forgets a failure', async () => {
    const cache = new PromiseCache<string, number>({ capacity: 4 });
    let loads = 0;
    const [a, b] = await Promise.all([cache.get('k', async () => ++loads), cache.get('k', async () => ++loads)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    await expect(cache.get('bad', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await Promise.resolve();
    expect(await cache.get('bad', async () => 7)).toBe(7);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up on a first load that never settles (its request was torn down) after 30 s, even without a TTL', async () => {
    const clock = { ms: 0 };
    const cache = new PromiseCache<string, number>({ capacity: 4, now: () => clock.ms });
    const stranded = new Promise<number>(() => undefined); // workerd cancelled its I/O with the request
    expect(cache.get('registration', () => stranded)).toBe(stranded);
    clock.ms = 29_999;
    let loads = 0;
    // Still inside the window a request may legitimately take: callers share the load in flight.
    void cache.get('registration', async () => ++loads);
    expect(loads).toBe(0);
    clock.ms = 30_000;
    expect(await cache.get('registration', async () => ++loads)).toBe(1);
    // A value that loaded is kept as long as it lives, however old.
    clock.ms = 10_000_000;
    expect(await cache.get('registration', async () => ++loads)).toBe(1);
    expect(loads).toBe(1);
  });

  it('a caller that joins a first load which never settles loads the key itself at the give-up time', async () => {
    vi.useFakeTimers();
    const cache = new PromiseCache<string, number>({ capacity: 4, now: () => Date.now() });
    void cache.get('registration', () => new Promise<number>(() => undefined)); // its request was torn down
    vi.advanceTimersByTime(1_000);
    let loads = 0;
    let answer: number | undefined;
    void cache.get('registration', async () => ++loads).then((value) => (answer = value));
    await vi.advanceTimersByTimeAsync(28_999);
    expect([answer, loads]).toEqual([undefined, 0]); // a first load may take that long: the caller shares it
    await vi.advanceTimersByTimeAsync(1);
    expect([answer, loads]).toEqual([1, 1]);
    expect(await cache.get('registration', async () => ++loads)).toBe(1);
  });

  it('a caller that joins a first load which settles gets its value, with no load of its own', async () => {
    vi.useFakeTimers();
    const cache = new PromiseCache<string, number>({ capacity: 4, now: () => Date.now() });
    let release!: (value: number) => void;
    void cache.get('k', () => new Promise<number>((resolve) => (release = resolve)));
    let loads = 0;
    const joined = cache.get('k', async () => ++loads);
    vi.advanceTimersByTime(5_000);
    release(7);
    expect(await joined).toBe(7);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([loads, vi.getTimerCount()]).toEqual([0, 0]); // its give-up timer is gone with the value
  });

  it('with staleOnError, a caller that joins a reload which never settles reloads the key itself at the give-up time', async () => {
    vi.useFakeTimers();
    const cache = new PromiseCache<string, string>({ capacity: 4, ttlMs: 100, staleOnError: true, now: () => Date.now() });
    expect(await cache.get('k', async () => 'v1')).toBe('v1');
    vi.advanceTimersByTime(200);
    void cache.get('k', () => new Promise<string>(() => undefined)); // the reload's request was torn down
    let answer: string | undefined;
    void cache.get('k', async () => 'v2').then((value) => (answer = value));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toBe('v2');
  });

  it('keeps at most `capacity` keys, dropping the least recently used', async () => {
    const cache = new PromiseCache<string, string>({ capacity: 2 });
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('a', async () => 'a2');
    await cache.get('c', async () => 'c');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'a3')).toBe('a');
    expect(await cache.get('b', async () => 'b2')).toBe('b2');
  });

  it('reloads after ttlMs; with staleOnError it answers the last value while reloading fails, and retries later', async () => {
    let now = 0;
    const cache = new PromiseCache<string, string>({ capacity: 4, ttlMs: 100, staleOnError: true, retryMs: 10, now: () => now });
    expect(await cache.get('k', async () => 'v1')).toBe('v1');
    now = 150;
    expect(await cache.get('k', async () => Promise.reject(new Error('D1 down')))).toBe('v1');
    now = 155;
    let tried = false;
    expect(
      await cache.get('k', async () => {
        tried = true;
        return 'v2';
      }),
    ).toBe('v1');
    expect(tried).toBe(false);
    now = 170;
    expect(await cache.get('k', async () => 'v3')).toBe('v3');
  });

  it('with staleWhileReload answers an expired key at once and reloads it in the background', async () => {
    let now = 0;
    const cache = new PromiseCache<string, string>({ capacity: 4, ttlMs: 100, staleWhileReload: true, now: () => now });
    await cache.get('k', async () => 'v1');
    now = 200;
    let release!: (v: string) => void;
    const slow = new Promise<string>((resolve) => (release = resolve));
    expect(await cache.get('k', () => slow)).toBe('v1');
    expect(await cache.get('k', async () => 'other')).toBe('v1');
    release('v2');
    await slow;
    await Promise.resolve();
    expect(await cache.get('k', async () => 'v3')).toBe('v2');
  });
});
