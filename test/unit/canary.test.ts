import { describe, expect, it } from 'vitest';
import { canaryBucket, isCanary } from '../../src/traffic/canary.ts';

const keys = (n: number, prefix = 'user-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function canaryShare(percent: number, routingKeys: readonly string[]): number {
  return (routingKeys.filter((k) => isCanary(percent, k)).length / routingKeys.length) * 100;
}

const never = () => {
  throw new Error('a request with a routing key must not draw at random');
};

describe('canaryBucket', () => {
  it('maps every key into [0, 100)', () => {
    for (const key of [...keys(2000), '', 'é', '🙂', 'x'.repeat(10_000)]) {
      const bucket = canaryBucket(key);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
    }
  });

  it('is a pure function of the key', () => {
    for (const key of keys(100)) expect(canaryBucket(key)).toBe(canaryBucket(`${key}`));
    expect(canaryBucket('user-1')).not.toBe(canaryBucket('user-2'));
  });

  it('spreads sequential keys evenly over ten deciles', () => {
    const counts = new Array(10).fill(0) as number[];
    for (const key of keys(10_000)) counts[Math.floor(canaryBucket(key) / 10)]!++;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThanOrEqual(200);
  });
});

describe('isCanary', () => {
  it.each([
    ['sequential ids', keys(10_000)],
    ['uuid-like keys', keys(10_000).map((k, i) => `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}-4a1b-8c2d-${k}`)],
    ['e-mail addresses', keys(10_000, 'customer').map((k) => `${k}@example.com`)],
  ])('sends 10 %% of 10,000 distinct %s to the canary, within ±2 percentage points', (_label, routingKeys) => {
    expect(new Set(routingKeys).size).toBe(10_000);
    const share = canaryShare(10, routingKeys);
    expect(share).toBeGreaterThanOrEqual(8);
    expect(share).toBeLessThanOrEqual(12);
  });

  it.each([1, 5, 25, 50, 90])('splits 10,000 keys within ±2 points of a %d %% canary', (percent) => {
    const share = canaryShare(percent, keys(10_000));
    expect(Math.abs(share - percent)).toBeLessThanOrEqual(2);
  });

  it('gives a key the same answer every time while the percent is unchanged, without drawing at random', () => {
    const first = keys(10_000).map((k) => isCanary(10, k, never));
    for (let round = 0; round < 3; round++) expect(keys(10_000).map((k) => isCanary(10, k, never))).toEqual(first);
  });

  it('only moves keys from primary to canary when the percent is raised', () => {
    const all = keys(10_000);
    let previous = new Set(all.filter((k) => isCanary(1, k)));
    for (const percent of [5, 10, 10.5, 25, 50, 99, 100]) {
      const current = new Set(all.filter((k) => isCanary(percent, k)));
      for (const key of previous) expect(current.has(key)).toBe(true);
      expect(current.size).toBeGreaterThanOrEqual(previous.size);
      previous = current;
    }
    expect(previous.size).toBe(10_000);
  });

  it('sends nobody at 0 % and everybody at 100 %', () => {
    expect(keys(1000).some((k) => isCanary(0, k))).toBe(false);
    expect(keys(1000).every((k) => isCanary(100, k))).toBe(true);
  });

  it('draws at random for a request without a routing key', () => {
    expect(isCanary(10, undefined, () => 0.05)).toBe(true);
    expect(isCanary(10, undefined, () => 0.1)).toBe(false);
    expect(isCanary(10, undefined, () => 0.5)).toBe(false);
  });
});
