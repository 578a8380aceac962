import { describe, expect, it } from 'vitest';
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
