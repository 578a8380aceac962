import { describe, expect, it } from 'vitest';
import { cpuPerRequestUs, median, ratios } from '../../../bench/lib/scenario.ts';
import { scenario } from './fixtures.ts';

describe('ratios', () => {
  it('divides Vigil’s predictions/s by each baseline’s of the same model family', () => {
    const scenarios = [
      scenario('vigil-full', 8000),
      scenario('limit-single', 10000),
      scenario('peer-single', 4000),
      scenario('floor-single', 16000),
      scenario('vigil-batch100', 2000, { instances: 100 }),
      scenario('limit-batch100', 2500, { instances: 100 }),
      scenario('vigil-primary-batch100', 1500, { instances: 100 }),
      scenario('peer-batch100', 1200, { instances: 100 }),
      scenario('limit-single', 1000, { model: 'titanic' }),
    ];
    const r = ratios(scenarios, 'california-housing');
    expect(r['full path / limit']).toBeCloseTo(0.8);
    expect(r['full path / peer']).toBeCloseTo(2);
    expect(r['full path / floor']).toBeCloseTo(0.5);
    expect(r['100 instances / limit']).toBeCloseTo(0.8);
    expect(r['100 instances / peer']).toBeCloseTo(2000 / 1200);
    expect(r['primary only, 100 instances / peer']).toBeCloseTo(1.25);
    expect(r['primary only / limit']).toBeNull();
    expect(ratios(scenarios, 'titanic')['full path / limit']).toBeNull();
  });
});

describe('cpuPerRequestUs', () => {
  it('divides the server’s CPU by the answered requests', () => {
    expect(cpuPerRequestUs(scenario('vigil-full', 1000, { cpuShare: 0.5 }))).toBeCloseTo(500);
    expect(cpuPerRequestUs({ ...scenario('vigil-full', 0), load: { ...scenario('vigil-full', 0).load, ok: 0 } })).toBeNull();
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
