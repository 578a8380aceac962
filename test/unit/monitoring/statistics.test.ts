import { describe, expect, it } from 'vitest';
import { binFrequencies, binIndex, quantileEdges } from '../../../src/model/binning.ts';
import { alignCategories, binCounts, EPSILON, grade, jensenShannon, moments, psi } from '../../../src/monitoring/statistics.ts';
import { emptyAggregate, mergeAggregate, type Aggregate } from '../../../src/telemetry/profiles.ts';

const close = (actual: number, expected: number, digits = 9) => expect(actual).toBeCloseTo(expected, digits);

describe('psi', () => {
  it('is 0 for identical distributions, whether given as shares or counts', () => {
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    close(psi([2, 3, 5], [20, 30, 50]), 0);
  });

  it('matches Σ (a - e) ln(a / e) worked by hand', () => {
    // e = [.25, .25, .5], a = [.5, .25, .25]: .25 ln 2 + 0 + (-.25) ln .5 = .5 ln 2
    close(psi([0.25, 0.25, 0.5], [0.5, 0.25, 0.25]), 0.5 * Math.LN2);
    // The same shares as counts.
    close(psi([1, 1, 2], [20, 10, 10]), 0.5 * Math.LN2);
    // e = [.5, .5], a = [.9, .1]: .4 ln 1.8 + (-.4) ln .2
    close(psi([1, 1], [900, 100]), 0.4 * Math.log(1.8) - 0.4 * Math.log(0.2));
  });

  it('floors an empty bin at EPSILON instead of going infinite', () => {
    expect(EPSILON).toBe(1e-4);
    // Expected has nothing in bin 2; actual has a quarter there.
    const byHand = 0 + (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - 1e-4) * Math.log(0.25 / 1e-4);
    const value = psi([0.5, 0.5, 0], [0.5, 0.25, 0.25]);
    expect(Number.isFinite(value)).toBe(true);
    close(value, byHand);
    // Empty on both sides contributes nothing.
    close(psi([0.5, 0.5, 0], [0.5, 0.5, 0]), 0);
    // An all-empty side is all EPSILON: Σ over 2 bins of (.5 - 1e-4) ln(.5 / 1e-4).
    close(psi([0, 0], [1, 1]), 2 * (0.5 - 1e-4) * Math.log(0.5 / 1e-4));
  });

  it('is symmetric in its arguments', () => {
    close(psi([0.1, 0.9], [0.6, 0.4]), psi([0.6, 0.4], [0.1, 0.9]));
  });

  it('refuses bins of different lengths', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/equal bins/);
  });
});

describe('jensenShannon', () => {
  it('is 0 for identical distributions and 1 (base 2) for disjoint ones', () => {
    expect(jensenShannon([3, 1, 0], [30, 10, 0])).toBeCloseTo(0, 12);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannon([0, 5, 5], [7, 0, 0])).toBeCloseTo(1, 12);
  });

  it('matches ½ KL(p‖m) + ½ KL(q‖m) worked by hand', () => {
    // p = [.5, .5], q = [1, 0], m = [.75, .25]
    // KL(p‖m) = .5 log2(.5/.75) + .5 log2(.5/.25) = .5 log2(2/3) + .5
    // KL(q‖m) = log2(1/.75) = log2(4/3)
    const byHand = 0.5 * (0.5 * Math.log2(2 / 3) + 0.5) + 0.5 * Math.log2(4 / 3);
    close(byHand, 0.3112781244591328, 12);
    close(jensenShannon([0.5, 0.5], [1, 0]), byHand);
    close(jensenShannon([1, 0], [0.5, 0.5]), byHand);
  });

  it('is 0 when both sides are empty', () => {
    expect(jensenShannon([0, 0], [0, 0])).toBe(0);
  });
});

describe('alignCategories and binCounts', () => {
  it('aligns two histograms on the sorted union of their keys, missing keys as 0', () => {
    expect(alignCategories({ red: 2, green: 1 }, { blue: 4, red: 1 })).toEqual({
      keys: ['blue', 'green', 'red'],
      expected: [0, 1, 2],
      actual: [4, 0, 1],
    });
  });

  it('puts bin counts at their index and ignores keys that are not bins', () => {
    expect(binCounts({ '0': 3, '2': 5, '7': 9, x: 1, '-1': 4, '1.5': 2 }, 3)).toEqual([3, 0, 5]);
  });
});

describe('moments and grade', () => {
  it('gives the mean and population standard deviation of 1, 2, 3, 4', () => {
    const m = moments(4, 10, 30)!;
    close(m.mean, 2.5);
    close(m.std, Math.sqrt(1.25));
    expect(moments(0, 0, 0)).toBeNull();
  });

  it('grades strictly above a threshold', () => {
    expect(grade(0.1, 0.1, 0.25)).toBe('pass');
    expect(grade(0.1000001, 0.1, 0.25)).toBe('warn');
    expect(grade(0.25, 0.1, 0.25)).toBe('warn');
    expect(grade(0.2500001, 0.1, 0.25)).toBe('fail');
  });
});

describe('quantile binning', () => {
  it('binIndex puts each value in the bin its closing edge names (edges[i-1] < v <= edges[i])', () => {
    const edges = [10, 20, 30];
    expect([-1e9, 10, 10.0001, 20, 25, 30, 30.0001, 1e9].map((v) => binIndex(edges, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(binIndex([], -5)).toBe(0);
    expect(binIndex([0], 0)).toBe(0);
    expect(binIndex([0], -0)).toBe(0);
    expect(binIndex([0], Number.MIN_VALUE)).toBe(1);
  });

  it('quantileEdges of 1..5 gives one bin per value (nearest rank, ties collapsed, top edge dropped)', () => {
    // Ranks ceil(q/10 · 5) - 1 for q = 1..9: 0,0,1,1,2,2,3,3,4 → values 1,1,2,2,3,3,4,4,5 → [1,2,3,4,5] → drop 5.
    const values = [1, 2, 3, 4, 5];
    const edges = quantileEdges(values);
    expect(edges).toEqual([1, 2, 3, 4]);
    expect(values.map((v) => binIndex(edges, v))).toEqual([0, 1, 2, 3, 4]);
    expect(binFrequencies(edges, values)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
  });

  it('quantileEdges with quartiles of 1..8 is [2, 4, 6]', () => {
    expect(quantileEdges([1, 2, 3, 4, 5, 6, 7, 8], 4)).toEqual([2, 4, 6]);
  });

  it('quantileEdges has no edges for empty, single-valued or constant data', () => {
    expect(quantileEdges([])).toEqual([]);
    expect(quantileEdges([7])).toEqual([]);
    expect(quantileEdges([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3])).toEqual([]);
  });

  it('quantileEdges keeps a lower edge equal to the minimum (a heavy mass at the bottom gets its own bin)', () => {
    // 90 zeros and 10 ones: deciles 1..9 are all 0 → [0]; 0 is not the maximum, so it stays.
    const values = [...new Array<number>(90).fill(0), ...new Array<number>(10).fill(1)];
    const edges = quantileEdges(values);
    expect(edges).toEqual([0]);
    expect(binFrequencies(edges, values)).toEqual([0.9, 0.1]);
  });

  it('binFrequencies of no values is all zeros', () => {
    expect(binFrequencies([1, 2], [])).toEqual([0, 0, 0]);
  });
});

function aggregate(a: Partial<Omit<Aggregate, 'bins'>> & { bins?: Record<string, number> }): Aggregate {
  return { ...emptyAggregate(), ...a, bins: new Map(Object.entries(a.bins ?? {})) };
}

describe('mergeAggregate', () => {
  it('adds counts, nulls, invalid values, sums and sums of squares, and bins key by key', () => {
    const a = aggregate({ count: 3, nulls: 1, invalid: 0, sum: 5, sumSq: 13, min: 2, max: 3, bins: { '0': 1, '1': 1 } });
    const b = aggregate({ count: 4, nulls: 0, invalid: 2, sum: -1, sumSq: 21, min: -4, max: 1, bins: { '1': 2, '3': 2 } });
    const merged = mergeAggregate(a, b);
    expect(merged).toBe(a);
    expect({ ...merged, bins: Object.fromEntries(merged.bins) }).toEqual({
      count: 7,
      nulls: 1,
      invalid: 2,
      sum: 4,
      sumSq: 34,
      min: -4,
      max: 3,
      bins: { '0': 1, '1': 3, '3': 2 },
    });
  });

  it('treats a null min/max as "no value" on either side', () => {
    const onlyNulls = () => aggregate({ count: 2, nulls: 2 });
    const valued = () => aggregate({ count: 1, sum: 5, sumSq: 25, min: 5, max: 5, bins: { '2': 1 } });
    expect(mergeAggregate(onlyNulls(), valued())).toMatchObject({ min: 5, max: 5, count: 3, nulls: 2 });
    expect(mergeAggregate(valued(), onlyNulls())).toMatchObject({ min: 5, max: 5, count: 3, nulls: 2 });
    expect(mergeAggregate(onlyNulls(), onlyNulls())).toMatchObject({ min: null, max: null, count: 4, nulls: 4 });
  });

  it('treats a min or max of 0 as a value, not as missing', () => {
    expect(mergeAggregate(aggregate({ count: 1, min: 0, max: 0 }), aggregate({ count: 1, min: 3, max: 3 }))).toMatchObject({
      min: 0,
      max: 3,
    });
    expect(mergeAggregate(aggregate({ count: 1, min: -2, max: -2 }), aggregate({ count: 1, min: 0, max: 0 }))).toMatchObject({
      min: -2,
      max: 0,
    });
  });

  it('merging in any order gives the same aggregate', () => {
    const parts = [
      aggregate({ count: 2, sum: 3, sumSq: 5, min: 1, max: 2, bins: { '0': 1, '1': 1 } }),
      aggregate({ count: 1, nulls: 1 }),
      aggregate({ count: 3, invalid: 1, sum: 30, sumSq: 300, min: 10, max: 10, bins: { '2': 3 } }),
    ];
    const fold = (order: number[]) => {
      const out = emptyAggregate();
      for (const i of order) mergeAggregate(out, parts[i]!);
      return { ...out, bins: Object.fromEntries([...out.bins].sort()) };
    };
    expect(fold([0, 1, 2])).toEqual(fold([2, 0, 1]));
    expect(fold([1, 2, 0])).toEqual({
      count: 6,
      nulls: 1,
      invalid: 1,
      sum: 33,
      sumSq: 305,
      min: 1,
      max: 10,
      bins: { '0': 1, '1': 1, '2': 3 },
    });
  });
});
