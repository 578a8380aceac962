import { describe, expect, it } from 'vitest';
import { growth, meanStd, percentile, ratio, summarizeLatencies, summarizeSeries } from '../../../bench/lib/stats.ts';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 10)).toBe(1);
  });

  it('returns the extremes at 0 and 100, and NaN without samples', () => {
    expect(percentile([3, 4], 0)).toBe(3);
    expect(percentile([3, 4], 100)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });

  it('finds p99 of 1,000 samples as the 990th value', () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 99)).toBe(990);
    expect(percentile(sorted, 99.9)).toBe(999);
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically and keeps sub-millisecond precision', () => {
    const summary = summarizeLatencies(Float64Array.from([10, 0.25, 2, 0.5, 1]));
    expect(summary.count).toBe(5);
    expect(summary.p50Ms).toBe(1);
    expect(summary.maxMs).toBe(10);
    expect(summary.meanMs).toBeCloseTo(2.75);
  });

  it('does not reorder the caller’s samples', () => {
    const samples = Float64Array.from([3, 1, 2]);
    summarizeLatencies(samples);
    expect([...samples]).toEqual([3, 1, 2]);
  });

  it('reports NaN for an empty run', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p99Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
  });
});

describe('ratio and growth', () => {
  it('divides, and is null when a side is missing or zero', () => {
    expect(ratio(4, 5)).toBeCloseTo(0.8);
    expect(ratio(4, 0)).toBeNull();
    expect(ratio(undefined, 5)).toBeNull();
    expect(ratio(4, null)).toBeNull();
    expect(ratio(Number.NaN, 5)).toBeNull();
  });

  it('gives relative growth', () => {
    expect(growth(100, 105)).toBeCloseTo(0.05);
    expect(growth(100, 90)).toBeCloseTo(-0.1);
    expect(growth(null, 90)).toBeNull();
  });
});

describe('summarizeSeries and meanStd', () => {
  it('summarizes a series', () => {
    expect(summarizeSeries([3, 1, 2])).toEqual({ min: 1, max: 3, mean: 2, last: 2 });
    expect(summarizeSeries([])).toBeNull();
  });

  it('gives the sample standard deviation', () => {
    const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9])!;
    expect(s.mean).toBe(5);
    expect(s.std).toBeCloseTo(2.138, 3);
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, min: 5, max: 5 });
    expect(meanStd([])).toBeNull();
  });
});
