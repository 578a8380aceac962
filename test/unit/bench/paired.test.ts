import { describe, expect, it } from 'vitest';
import { pairedRatios, roundOrder, sliceIds, type PairedRounds } from '../../../bench/lib/paired.ts';
import { scenario } from './fixtures.ts';

/** One round: Vigil and the limit at `vigil` and `limit` req/s single, the peer at 1,000 with 100 instances. */
function round(vigil: number, limit: number, vigilBatch = 900) {
  return [
    scenario('vigil-full', vigil),
    scenario('limit-single', limit),
    scenario('vigil-batch100', vigilBatch, { instances: 100 }),
    scenario('peer-batch100', 1_000, { instances: 100 }),
  ];
}

describe('interleaved rounds', () => {
  it('rotate the servers one place each round, so each goes first in turn', () => {
    const servers = ['vigil', 'limit', 'floor', 'peer'];
    expect([0, 1, 2, 3, 4].map((r) => roundOrder(servers, r).join(' '))).toEqual([
      'vigil limit floor peer',
      'limit floor peer vigil',
      'floor peer vigil limit',
      'peer vigil limit floor',
      'vigil limit floor peer',
    ]);
    expect(roundOrder([], 3)).toEqual([]);
  });

  it('name the slices as the scenarios are named, so the same ratios apply', () => {
    expect(sliceIds('vigil')).toEqual(['vigil-full', 'vigil-batch100']);
    expect(sliceIds('peer')).toEqual(['peer-single', 'peer-batch100']);
  });

  it("take each round's ratios from its own slices, and their median and range across rounds", () => {
    // The machine slows down between rounds: each ratio holds while the absolute figures halve.
    const paired: PairedRounds = {
      model: 'california-housing',
      sliceSeconds: 5,
      rounds: [round(6_000, 5_000), round(3_000, 2_000), round(1_100, 1_000, 500)],
    };
    const r = pairedRatios(paired);
    expect(r['full path / limit']!.perRound).toEqual([1.2, 1.5, 1.1]);
    expect([r['full path / limit']!.median, r['full path / limit']!.min, r['full path / limit']!.max]).toEqual([1.2, 1.1, 1.5]);
    expect(r['100 instances / peer']!.perRound).toEqual([0.9, 0.9, 0.5]);
    expect(r['100 instances / peer']!.median).toBe(0.9);
    // A ratio no round measured (no floor slices here) is null, not zero.
    expect(r['full path / floor']).toBeNull();
  });

  it('leave a round without one of the slices out of that ratio, and count only the model family measured', () => {
    const paired: PairedRounds = {
      model: 'california-housing',
      sliceSeconds: 5,
      rounds: [round(6_000, 5_000), round(3_000, 2_000).filter((s) => s.id !== 'limit-single'), round(4_000, 2_000)],
    };
    const r = pairedRatios(paired)['full path / limit']!;
    expect(r.perRound).toEqual([1.2, null, 2]);
    expect(r.median).toBe(1.6);
    expect(pairedRatios({ ...paired, model: 'titanic' })['full path / limit']).toBeNull();
  });
});
