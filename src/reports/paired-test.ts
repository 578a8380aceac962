/**
 * The paired tests behind the shadow report's verdict, on the same labelled requests served by both versions:
 * regression — a z-test on the per-instance difference of absolute errors (shadow - primary); classification —
 * McNemar's test (continuity corrected) on the instances exactly one version classified correctly.
 */

export type Verdict = 'shadow_better' | 'shadow_worse' | 'no_significant_difference' | 'insufficient_data';

export interface PairedTestResult {
  verdict: Verdict;
  test: string;
  n: number;
  statistic: number | null;
  p_value: number | null;
  alpha: number;
  explanation: string;
}

export const ALPHA = 0.05;
/** Fewer paired observations than this are not judged. */
export const MIN_PAIRS = 30;
/** McNemar needs this many discordant pairs for its chi-square approximation. */
export const MIN_DISCORDANT = 10;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function pairedErrorTest(n: number, meanDifference: number | null, variance: number | null): PairedTestResult {
  const test = 'paired z-test on |error(shadow)| - |error(primary)| per instance';
  if (n < MIN_PAIRS || meanDifference === null || variance === null) {
    return {
      verdict: 'insufficient_data',
      test,
      n,
      statistic: null,
      p_value: null,
      alpha: ALPHA,
      explanation: `needs at least ${MIN_PAIRS} labelled shadowed instances, has ${n}`,
    };
  }
  if (variance === 0) {
    const verdict = meanDifference < 0 ? 'shadow_better' : meanDifference > 0 ? 'shadow_worse' : 'no_significant_difference';
    return {
      verdict,
      test,
      n,
      statistic: null,
      p_value: meanDifference === 0 ? 1 : 0,
      alpha: ALPHA,
      explanation: 'the error difference is the same on every instance',
    };
  }
  const z = meanDifference / Math.sqrt(variance / n);
  const p = 2 * (1 - normalCdf(Math.abs(z)));
  const significant = p < ALPHA;
  const verdict: Verdict = !significant ? 'no_significant_difference' : z < 0 ? 'shadow_better' : 'shadow_worse';
  return {
    verdict,
    test,
    n,
    statistic: z,
    p_value: p,
    alpha: ALPHA,
    explanation: significant
      ? `the shadow's absolute error is ${z < 0 ? 'lower' : 'higher'} by ${Math.abs(meanDifference).toPrecision(4)} ` +
        `on average (z = ${z.toFixed(2)}, p = ${p.toPrecision(3)})`
      : `no significant difference in absolute error (z = ${z.toFixed(2)}, p = ${p.toPrecision(3)})`,
  };
}

export function mcnemarTest(n: number, onlyPrimaryCorrect: number, onlyShadowCorrect: number): PairedTestResult {
  const test = "McNemar's test (continuity corrected) on instances exactly one version classified correctly";
  const discordant = onlyPrimaryCorrect + onlyShadowCorrect;
  if (n < MIN_PAIRS || discordant < MIN_DISCORDANT) {
    return {
      verdict: 'insufficient_data',
      test,
      n,
      statistic: null,
      p_value: null,
      alpha: ALPHA,
      explanation:
        `needs at least ${MIN_PAIRS} labelled shadowed instances with ${MIN_DISCORDANT} disagreements on correctness, ` +
        `has ${n} with ${discordant}`,
    };
  }
  const chi2 = (Math.abs(onlyPrimaryCorrect - onlyShadowCorrect) - 1) ** 2 / discordant;
  const p = 2 * (1 - normalCdf(Math.sqrt(chi2)));
  const significant = p < ALPHA;
  const verdict: Verdict = !significant
    ? 'no_significant_difference'
    : onlyShadowCorrect > onlyPrimaryCorrect
      ? 'shadow_better'
      : 'shadow_worse';
  return {
    verdict,
    test,
    n,
    statistic: chi2,
    p_value: p,
    alpha: ALPHA,
    explanation:
      `only the shadow was right on ${onlyShadowCorrect} instances, ` +
      `only the primary on ${onlyPrimaryCorrect} (χ² = ${chi2.toFixed(2)}, p = ${p.toPrecision(3)})`,
  };
}
