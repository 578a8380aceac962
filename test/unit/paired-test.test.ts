import { describe, expect, it } from 'vitest';
import { ALPHA, MIN_DISCORDANT, MIN_PAIRS, mcnemarTest, normalCdf, pairedErrorTest } from '../../src/reports/paired-test.ts';

/** Φ at a few points, from standard normal tables (to 16 digits). */
const PHI = {
  0.5: 0.6914624612740131,
  1: 0.8413447460685429,
  1.5: 0.9331927987311419,
  1.96: 0.9750021048517795,
  2: 0.9772498680518208,
  2.5: 0.9937903346742238,
  3: 0.9986501019683699,
};

describe('normalCdf', () => {
  it('matches the standard normal table to within the approximation error (< 1e-7)', () => {
    expect(Math.abs(normalCdf(0) - 0.5)).toBeLessThan(1e-7);
    for (const [z, phi] of Object.entries(PHI)) {
      expect(Math.abs(normalCdf(Number(z)) - phi)).toBeLessThan(1e-7);
      expect(Math.abs(normalCdf(-Number(z)) - (1 - phi))).toBeLessThan(1e-7);
    }
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1)).toBeCloseTo(0.1587, 4);
  });

  it('tends to 0 and 1 in the tails and is monotone', () => {
    expect(normalCdf(-10)).toBeLessThan(1e-7);
    expect(normalCdf(10)).toBeGreaterThan(1 - 1e-7);
    let previous = -Infinity;
    for (let z = -5; z <= 5; z += 0.25) {
      const phi = normalCdf(z);
      expect(phi).toBeGreaterThanOrEqual(previous);
      previous = phi;
    }
  });
});

describe('pairedErrorTest (z-test on |e_shadow| - |e_primary|)', () => {
  it('states the test and the significance level', () => {
    const r = pairedErrorTest(100, -0.5, 4);
    expect(r.test).toMatch(/paired z-test/);
    expect(r.alpha).toBe(0.05);
    expect(ALPHA).toBe(0.05);
  });

  it('judges nothing below 30 pairs or without a mean or variance', () => {
    expect(MIN_PAIRS).toBe(30);
    for (const r of [
      pairedErrorTest(29, -100, 1),
      pairedErrorTest(0, null, null),
      pairedErrorTest(50, null, 1),
      pairedErrorTest(50, -1, null),
    ]) {
      expect(r).toMatchObject({ verdict: 'insufficient_data', statistic: null, p_value: null });
    }
    expect(pairedErrorTest(29, -100, 1).explanation).toMatch(/at least 30 .* has 29/);
    // 30 is enough: mean -1, variance 1 → z = -1 / sqrt(1/30).
    const r = pairedErrorTest(30, -1, 1);
    expect(r.verdict).toBe('shadow_better');
    expect(r.statistic).toBeCloseTo(-Math.sqrt(30), 12);
  });

  it('finds the shadow better when its errors are significantly lower (z = -2.5, p = 2(1 - Φ(2.5)))', () => {
    // se = sqrt(4 / 100) = 0.2, z = -0.5 / 0.2 = -2.5.
    const r = pairedErrorTest(100, -0.5, 4);
    expect(r.verdict).toBe('shadow_better');
    expect(r.n).toBe(100);
    expect(r.statistic).toBeCloseTo(-2.5, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[2.5]), 6);
    expect(r.explanation).toMatch(/lower/);
  });

  it('finds the shadow worse when its errors are significantly higher', () => {
    const r = pairedErrorTest(100, 0.5, 4);
    expect(r.verdict).toBe('shadow_worse');
    expect(r.statistic).toBeCloseTo(2.5, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[2.5]), 6);
    expect(r.explanation).toMatch(/higher/);
  });

  it('finds no significant difference when p >= 0.05 (z = -1.5)', () => {
    // se = sqrt(4 / 36) = 1/3, z = -0.5 * 3 = -1.5, p = 0.1336.
    const r = pairedErrorTest(36, -0.5, 4);
    expect(r.verdict).toBe('no_significant_difference');
    expect(r.statistic).toBeCloseTo(-1.5, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[1.5]), 6);
  });

  it('treats z = ±1.96 as just significant (p = 0.04999…)', () => {
    // mean 1.96, variance 100, n = 100 → se = 1, z = 1.96.
    const r = pairedErrorTest(100, 1.96, 100);
    expect(r.statistic).toBeCloseTo(1.96, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[1.96]), 6);
    expect(r.p_value!).toBeLessThan(0.05);
    expect(r.verdict).toBe('shadow_worse');
  });

  it('decides zero variance by the sign of the constant difference, without a statistic', () => {
    expect(pairedErrorTest(40, -2, 0)).toMatchObject({ verdict: 'shadow_better', statistic: null, p_value: 0 });
    expect(pairedErrorTest(40, 2, 0)).toMatchObject({ verdict: 'shadow_worse', statistic: null, p_value: 0 });
    expect(pairedErrorTest(40, 0, 0)).toMatchObject({ verdict: 'no_significant_difference', statistic: null, p_value: 1 });
  });
});

describe('mcnemarTest (continuity corrected)', () => {
  it('judges nothing below 30 pairs or 10 discordant pairs', () => {
    expect(MIN_DISCORDANT).toBe(10);
    expect(mcnemarTest(29, 0, 20)).toMatchObject({ verdict: 'insufficient_data', statistic: null, p_value: null, n: 29 });
    expect(mcnemarTest(100, 0, 9)).toMatchObject({ verdict: 'insufficient_data', statistic: null, p_value: null });
    expect(mcnemarTest(100, 4, 5).explanation).toMatch(/has 100 with 9/);
    // Exactly at both thresholds: judged. b = 0, c = 10 → χ² = (10 - 1)² / 10 = 8.1.
    const r = mcnemarTest(30, 0, 10);
    expect(r.statistic).toBeCloseTo(8.1, 12);
    expect(r.verdict).toBe('shadow_better');
  });

  it('finds the shadow worse when only the primary is right more often: b = 18, c = 7 → χ² = 4, p = 2(1 - Φ(2))', () => {
    const r = mcnemarTest(60, 18, 7);
    expect(r.statistic).toBeCloseTo((Math.abs(18 - 7) - 1) ** 2 / 25, 12);
    expect(r.statistic).toBeCloseTo(4, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[2]), 6);
    expect(r.verdict).toBe('shadow_worse');
    expect(r.test).toMatch(/McNemar/);
  });

  it('finds the shadow better in the mirrored case (b = 7, c = 18)', () => {
    const r = mcnemarTest(60, 7, 18);
    expect(r.statistic).toBeCloseTo(4, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[2]), 6);
    expect(r.verdict).toBe('shadow_better');
    expect(r.explanation).toMatch(/only the shadow was right on 18 instances, only the primary on 7/);
  });

  it('finds no significant difference for b = 20, c = 16 (χ² = 9/36 = 0.25, p = 2(1 - Φ(0.5)))', () => {
    const r = mcnemarTest(100, 20, 16);
    expect(r.statistic).toBeCloseTo(0.25, 12);
    expect(r.p_value).toBeCloseTo(2 * (1 - PHI[0.5]), 6);
    expect(r.verdict).toBe('no_significant_difference');
  });
});
