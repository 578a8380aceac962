import { describe, expect, it } from 'vitest';
import { binFrequencies, binIndex, quantileEdges } from '../../src/model/binning.ts';

describe('binIndex', () => {
  it('puts a value equal to an edge in the bin that edge closes', () => {
    expect(binIndex([1, 2, 3], 1)).toBe(0);
    expect(binIndex([1, 2, 3], 1.5)).toBe(1);
    expect(binIndex([1, 2, 3], 3)).toBe(2);
    expect(binIndex([1, 2, 3], 3.1)).toBe(3);
    expect(binIndex([1, 2, 3], -50)).toBe(0);
  });

  it('has a single bin when there are no edges', () => {
    expect(binIndex([], 42)).toBe(0);
  });
});

describe('quantileEdges', () => {
  it('returns the nine interior deciles of 1..100', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileEdges(values)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('collapses tied edges and drops an edge equal to the maximum', () => {
    // 80 zeros then 1..20: the first eight deciles are 0.
    const values = [...new Array(80).fill(0), ...Array.from({ length: 20 }, (_, i) => i + 1)];
    expect(quantileEdges(values)).toEqual([0, 10]);
    expect(quantileEdges([5, 5, 5, 5])).toEqual([]);
  });

  it('gives frequencies that sum to one, one per bin', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const edges = quantileEdges(values);
    const freqs = binFrequencies(edges, values);
    expect(freqs).toHaveLength(10);
    expect(freqs.every((f) => Math.abs(f - 0.1) < 1e-12)).toBe(true);
  });
});
