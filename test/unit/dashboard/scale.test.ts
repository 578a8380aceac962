import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, linearScale, niceStep, niceTicks, tickLabels, truncate } from '../../../src/reports/charts/scale.ts';

describe('niceTicks', () => {
  it('encloses the range with 1-2-5 steps', () => {
    expect(niceTicks(0, 87, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.9, 0.91, 5)).toEqual([0.9, 0.902, 0.904, 0.906, 0.908, 0.91]);
    expect(niceTicks(-3, 7, 5)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
  });

  it('makes an interval around a single value', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
    expect(niceTicks(0, 0)).toContain(0);
  });

  it('survives non-finite input', () => {
    expect(niceTicks(Number.NaN, 1)).toEqual([0, 1]);
    expect(niceStep(0, 5)).toBe(1);
  });
});

describe('linearScale', () => {
  it('maps the domain onto the range, inverted for SVG y', () => {
    const y = linearScale(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(100)).toBe(0);
    expect(y(25)).toBe(150);
    expect(linearScale(3, 3, 0, 10)(3)).toBe(5);
  });
});

describe('formatNumber', () => {
  it('writes numbers short and readable', () => {
    expect(formatNumber(41025.6)).toBe('41,026');
    expect(formatNumber(0.068428)).toBe('0.0684');
    expect(formatNumber(2.5e6)).toBe('2.5M');
    expect(formatNumber(504404)).toBe('504k');
    expect(formatNumber(-4851.7)).toBe('−4,852');
    expect(formatNumber(0.00001)).toBe('1.0e-5');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1)).toBe('1');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
  });
});

describe('tickLabels', () => {
  it('uses one notation for a whole axis', () => {
    expect(tickLabels([0, 50000, 100000, 150000])).toEqual(['0', '50k', '100k', '150k']);
    expect(tickLabels([0, 1000, 2000])).toEqual(['0', '1,000', '2,000']);
    expect(tickLabels([0.9, 0.902, 0.904])).toEqual(['0.900', '0.902', '0.904']);
    expect(tickLabels([0, 0.5, 1])).toEqual(['0', '0.5', '1.0']);
    expect(tickLabels([-2, 0, 2])).toEqual(['−2', '0', '2']);
  });
});

describe('formatPercent', () => {
  it('writes shares as percentages', () => {
    expect(formatPercent(0.93559)).toBe('93.6%');
    expect(formatPercent(1, 0)).toBe('100%');
    expect(formatPercent(-0.008)).toBe('−0.8%');
    expect(formatPercent(0.00001)).toBe('<0.1%');
    expect(formatPercent(null)).toBe('–');
  });
});

describe('truncate', () => {
  it('shortens with an ellipsis', () => {
    expect(truncate('Self-emp-not-inc', 14)).toBe('Self-emp-not-…');
    expect(truncate('short', 14)).toBe('short');
  });
});
