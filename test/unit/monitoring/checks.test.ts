import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkBias, type BiasStats } from '../../../src/monitoring/checks/bias.ts';
import { checkCanary } from '../../../src/monitoring/checks/canary.ts';
import { checkDrift, checkSkew } from '../../../src/monitoring/checks/distribution.ts';
import { checkInvalidData } from '../../../src/monitoring/checks/invalid-data.ts';
import { checkInvariants } from '../../../src/monitoring/checks/invariants.ts';
import { checkParity } from '../../../src/monitoring/checks/parity.ts';
import { checkQuality, type LabelledMetrics } from '../../../src/monitoring/checks/quality.ts';
import { checkShadow, type ShadowStats } from '../../../src/monitoring/checks/shadow.ts';
import { checkStaleness } from '../../../src/monitoring/checks/staleness.ts';
import type { CheckWindow, FeatureWindowStats, HealthCheckResult, ProfileSnapshot } from '../../../src/monitoring/checks/types.ts';
import { parseManifest, type Manifest, type ManifestInput } from '../../../src/model/manifest.ts';
import type { QaReport } from '../../../src/registry/qa-gate.ts';
import { feature, manifest as buildManifest } from '../../support/manifest-builder.ts';

function parsed(input: unknown): Manifest {
  const result = parseManifest(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

const bundled = (model: string, version: string) =>
  parsed(JSON.parse(readFileSync(new URL(`../../../models/${model}/${version}/manifest.json`, import.meta.url), 'utf8')));
const housing = bundled('california-housing', '1');
const income = bundled('adult-income', '1');

/** x: numeric, training bins [0] at 50 % / 50 %; color: red/green at 50 % / 50 %; predictions binned alike. */
const toy = parsed(buildManifest({ monitoring: { min_samples: 100 } } as Partial<ManifestInput>));

const WINDOW: CheckWindow = { from: 0, to: 3_600_000, label: '60m' };
const DAY = 86_400_000;

function stats(s: Partial<FeatureWindowStats>): FeatureWindowStats {
  return { count: 0, nulls: 0, invalid: 0, sum: 0, sumSq: 0, min: null, max: null, bins: {}, ...s };
}

function snapshot(entries: Record<string, Partial<FeatureWindowStats>>): ProfileSnapshot {
  return new Map(Object.entries(entries).map(([k, v]) => [k, stats(v)]));
}

function only(results: readonly HealthCheckResult[], subject: string): HealthCheckResult {
  const found = results.filter((r) => r.subject === subject);
  expect(found, `results for subject "${subject}"`).toHaveLength(1);
  return found[0]!;
}

/** Σ (a - e) ln(a / e) over shares, each floored at 1e-4 — written out here, independent of the code. */
function psiByHand(e: number[], a: number[]): number {
  const se = e.reduce((x, y) => x + y, 0);
  const sa = a.reduce((x, y) => x + y, 0);
  return e.reduce((total, _, i) => {
    const ei = Math.max(e[i]! / se, 1e-4);
    const ai = Math.max(a[i]! / sa, 1e-4);
    return total + (ai - ei) * Math.log(ai / ei);
  }, 0);
}

describe('checkStaleness', () => {
  const trained = Date.parse(housing.training.trained_at);
  it('passes a model trained 100 days ago (max_age_days 180)', () => {
    expect(checkStaleness(housing, trained + 100 * DAY)).toMatchObject({
      check: 'staleness',
      status: 'pass',
      value: 100,
      threshold: 180,
      version: '1',
    });
  });
  it('warns past 80 % of max_age_days (144 days) and fails past it', () => {
    expect(checkStaleness(housing, trained + 144 * DAY).status).toBe('pass');
    expect(checkStaleness(housing, trained + 150 * DAY)).toMatchObject({ status: 'warn', value: 150 });
    expect(checkStaleness(housing, trained + 180 * DAY).status).toBe('warn');
    expect(checkStaleness(housing, trained + 181.5 * DAY)).toMatchObject({ status: 'fail', value: 181.5 });
  });
});

describe('checkInvalidData', () => {
  it('passes when nothing was rejected', () => {
    const results = checkInvalidData(housing, snapshot({ __instances__: { count: 1000 } }), WINDOW);
    expect(only(results, '')).toMatchObject({ status: 'pass', value: 0, threshold: 0.01 });
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(results).toHaveLength(1 + housing.features.length);
  });

  it('fails when more than 1 % of instances were rejected, and names the feature at fault', () => {
    // 980 served + 20 rejected: 2 %; median_income had 15 invalid values: 1.5 %; total_rooms 3: 0.3 %.
    const results = checkInvalidData(
      housing,
      snapshot({
        __instances__: { count: 980, invalid: 20 },
        median_income: { count: 980, invalid: 15 },
        total_rooms: { count: 980, invalid: 3 },
      }),
      WINDOW,
    );
    expect(only(results, '')).toMatchObject({ status: 'fail', value: 0.02 });
    expect(only(results, 'median_income')).toMatchObject({ status: 'fail', value: 0.015 });
    expect(only(results, 'total_rooms')).toMatchObject({ status: 'pass', value: 0.003 });
    expect(only(results, 'latitude')).toMatchObject({ status: 'pass', value: 0 });
  });

  it('warns between 0.5 % and 1 % (exactly 1 % is not over the fail threshold)', () => {
    expect(only(checkInvalidData(housing, snapshot({ __instances__: { count: 990, invalid: 10 } }), WINDOW), '')).toMatchObject({
      status: 'warn',
      value: 0.01,
    });
  });

  it('has insufficient data below min_samples instances', () => {
    const results = checkInvalidData(housing, snapshot({ __instances__: { count: 40, invalid: 10 } }), WINDOW);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'insufficient_data', value: 0.2 });
    expect(checkInvalidData(housing, snapshot({}), WINDOW)[0]).toMatchObject({ status: 'insufficient_data', value: null });
  });
});

describe('checkInvariants', () => {
  // total_bedrooms is 1.0749 % null in training; the others 0 %.
  const training = housing.features.find((f) => f.name === 'total_bedrooms')!.training.null_rate;

  it('passes null rates near training and fails a null rate 10 points above it', () => {
    const results = checkInvariants(
      housing,
      snapshot({ total_bedrooms: { count: 200, nulls: 40 }, latitude: { count: 200, nulls: 0, min: 33, max: 41 } }),
      WINDOW,
    );
    const bedrooms = only(results, 'total_bedrooms');
    expect(bedrooms.status).toBe('fail');
    expect(bedrooms.value).toBeCloseTo(0.2 - training, 6);
    expect(only(results, 'latitude')).toMatchObject({ status: 'pass', value: 0, details: { serving_range: [33, 41] } });
  });

  it('warns at a rise between 5 and 10 points', () => {
    // 14 / 200 = 7 % null: 5.93 points over training.
    expect(only(checkInvariants(housing, snapshot({ total_bedrooms: { count: 200, nulls: 14 } }), WINDOW), 'total_bedrooms').status).toBe(
      'warn',
    );
    expect(only(checkInvariants(housing, snapshot({ total_bedrooms: { count: 200, nulls: 2 } }), WINDOW), 'total_bedrooms').status).toBe(
      'pass',
    );
  });

  it('has insufficient data for features with fewer than min_samples observations', () => {
    const results = checkInvariants(housing, snapshot({ total_bedrooms: { count: 99, nulls: 99 } }), WINDOW);
    expect(only(results, 'total_bedrooms')).toMatchObject({ status: 'insufficient_data', value: null });
    expect(only(results, 'households').status).toBe('insufficient_data');
  });
});

describe('checkSkew', () => {
  it('passes a numeric feature whose bins match training and fails one that moved (PSI)', () => {
    const results = checkSkew(
      toy,
      snapshot({ x: { count: 1000, bins: { '0': 550, '1': 450 } }, color: { count: 1000, bins: { red: 500, green: 500 } } }),
      WINDOW,
    );
    const x = only(results, 'x');
    expect(x.status).toBe('pass');
    expect(x.value).toBeCloseTo(0.05 * Math.log(1.1) - 0.05 * Math.log(0.9), 6);

    const shifted = only(checkSkew(toy, snapshot({ x: { count: 1000, bins: { '0': 900, '1': 100 } } }), WINDOW), 'x');
    expect(shifted).toMatchObject({ status: 'fail', threshold: 0.25 });
    expect(shifted.value).toBeCloseTo(0.4 * Math.log(1.8) - 0.4 * Math.log(0.2), 6);

    const warned = only(checkSkew(toy, snapshot({ x: { count: 1000, bins: { '0': 700, '1': 300 } } }), WINDOW), 'x');
    expect(warned.status).toBe('warn');
    expect(warned.value).toBeCloseTo(0.2 * Math.log(1.4) - 0.2 * Math.log(0.6), 6);
  });

  it('judges a categorical feature by Jensen–Shannon divergence', () => {
    const near = only(checkSkew(toy, snapshot({ color: { count: 1000, bins: { red: 520, green: 480 } } }), WINDOW), 'color');
    const js = (p: number[], q: number[]) => {
      const m = p.map((pi, i) => (pi + q[i]!) / 2);
      const kl = (a: number[]) => a.reduce((t, ai, i) => (ai > 0 ? t + ai * Math.log2(ai / m[i]!) : t), 0);
      return 0.5 * kl(p) + 0.5 * kl(q);
    };
    // Categories sorted: green, red.
    expect(near.status).toBe('pass');
    expect(near.value).toBeCloseTo(js([0.5, 0.5], [0.48, 0.52]), 6);
    const onlyRed = only(checkSkew(toy, snapshot({ color: { count: 1000, bins: { red: 1000 } } }), WINDOW), 'color');
    expect(onlyRed).toMatchObject({ status: 'fail', threshold: 0.05 });
    expect(onlyRed.value).toBeCloseTo(js([0.5, 0.5], [0, 1]), 6);
  });

  it('compares the skew of a real feature with its training deciles and flags only the shifted one', () => {
    const income = housing.features.find((f) => f.name === 'median_income')!.training as { bin_frequencies: number[] };
    const age = housing.features.find((f) => f.name === 'housing_median_age')!.training as { bin_frequencies: number[] };
    const asTraining = (freqs: number[]) => Object.fromEntries(freqs.map((f, i) => [String(i), Math.round(f * 10_000)]));
    // median_income ×1.5 pushes most values into the top deciles.
    const shiftedBins = { '5': 800, '6': 900, '7': 1500, '8': 2400, '9': 4400 };
    const results = checkSkew(
      housing,
      snapshot({
        median_income: { count: 10_000, bins: shiftedBins },
        housing_median_age: { count: 10_000, bins: asTraining(age.bin_frequencies) },
      }),
      WINDOW,
    );
    const incomeResult = only(results, 'median_income');
    expect(incomeResult.status).toBe('fail');
    expect(incomeResult.value).toBeCloseTo(
      psiByHand(
        income.bin_frequencies,
        Array.from({ length: 10 }, (_, i) => shiftedBins[String(i) as keyof typeof shiftedBins] ?? 0),
      ),
      5,
    );
    expect(only(results, 'housing_median_age').status).toBe('pass');
    expect(only(results, 'latitude').status).toBe('insufficient_data');
  });

  it('compares PII categories by position, as the profiles store them', () => {
    const country = income.features.find((f) => f.name === 'native-country')!;
    const categories = country.categories!;
    const freqs = (country.training as { category_frequencies: Record<string, number> }).category_frequencies;
    const bins = Object.fromEntries(categories.map((c, i) => [`#${i}`, Math.round((freqs[c] ?? 0) * 10_000)]));
    const result = only(checkSkew(income, snapshot({ 'native-country': { count: 10_000, bins } }), WINDOW), 'native-country');
    expect(result.status).toBe('pass');
    expect(result.value!).toBeLessThan(0.001);
    expect(JSON.stringify(result.details)).not.toContain('United-States');
  });

  it('checks the predictions as the subject "prediction", and wants min_samples non-null values', () => {
    const results = checkSkew(
      toy,
      snapshot({ __prediction__: { count: 1000, bins: { '0': 1000 } }, x: { count: 150, nulls: 60, bins: { '0': 45, '1': 45 } } }),
      WINDOW,
    );
    expect(only(results, 'prediction').status).toBe('fail');
    expect(only(results, 'x')).toMatchObject({ status: 'insufficient_data', value: null, details: { observations: 90 } });
  });
});

describe('checkDrift', () => {
  it('compares this window with the previous one: fails a moved feature, passes a steady one', () => {
    const previous = snapshot({ x: { count: 1000, bins: { '0': 500, '1': 500 } }, color: { count: 1000, bins: { red: 300, green: 700 } } });
    const current = snapshot({ x: { count: 1000, bins: { '0': 900, '1': 100 } }, color: { count: 2000, bins: { red: 600, green: 1400 } } });
    const results = checkDrift(toy, current, previous, WINDOW);
    const x = only(results, 'x');
    expect(x).toMatchObject({ check: 'drift', status: 'fail' });
    expect(x.value).toBeCloseTo(0.4 * Math.log(1.8) - 0.4 * Math.log(0.2), 6);
    // color moved away from training (50/50) but not between windows: drift passes.
    expect(only(results, 'color')).toMatchObject({ status: 'pass', value: 0 });
  });

  it('has insufficient data when either window is too small', () => {
    const results = checkDrift(
      toy,
      snapshot({ x: { count: 1000, bins: { '0': 1000 } } }),
      snapshot({ x: { count: 50, bins: { '1': 50 } } }),
      WINDOW,
    );
    expect(only(results, 'x').status).toBe('insufficient_data');
    expect(only(results, 'color').status).toBe('insufficient_data');
  });
});

function shadowStats(s: Partial<ShadowStats>): ShadowStats {
  return {
    shadowVersion: '2',
    comparisons: 500,
    errors: 0,
    meanAbsDiff: null,
    p95AbsDiff: null,
    maxAbsDiff: null,
    meanSignedDiff: null,
    labelAgreement: null,
    meanPrimaryLatencyMs: 2,
    meanShadowLatencyMs: 3,
    ...s,
  };
}

describe('checkShadow', () => {
  const std = housing.output.training.std;

  it('regression: grades mean |diff| over the std of training predictions', () => {
    const small = checkShadow(housing, shadowStats({ meanAbsDiff: 10_000 }), WINDOW);
    expect(small).toMatchObject({ check: 'shadow', subject: '2', status: 'pass', threshold: 1 });
    expect(small.value).toBeCloseTo(10_000 / std, 6);
    expect(checkShadow(housing, shadowStats({ meanAbsDiff: 0.6 * std }), WINDOW).status).toBe('warn');
    const large = checkShadow(housing, shadowStats({ meanAbsDiff: 1.2 * std }), WINDOW);
    expect(large.status).toBe('fail');
    expect(large.value).toBeCloseTo(1.2, 6);
    expect(large.details).toMatchObject({ latency_ratio: 1.5 });
  });

  it('fails a shadow that errs on more than 1 % of instances even when its predictions agree', () => {
    const result = checkShadow(housing, shadowStats({ errors: 10, meanAbsDiff: 1 }), WINDOW);
    expect(result.status).toBe('fail');
    expect(result.details).toMatchObject({ error_rate: 0.02 });
    expect(checkShadow(housing, shadowStats({ errors: 1, meanAbsDiff: 1 }), WINDOW).status).toBe('warn');
  });

  it('classification: grades label disagreement', () => {
    const agree = checkShadow(income, shadowStats({ labelAgreement: 0.95 }), WINDOW);
    expect(agree).toMatchObject({ status: 'pass', threshold: 0.2 });
    expect(agree.value).toBeCloseTo(0.05, 9);
    expect(checkShadow(income, shadowStats({ labelAgreement: 0.85 }), WINDOW).status).toBe('warn');
    const disagree = checkShadow(income, shadowStats({ labelAgreement: 0.75 }), WINDOW);
    expect(disagree.status).toBe('fail');
    expect(disagree.value).toBeCloseTo(0.25, 9);
  });

  it('has insufficient data below min_samples comparisons', () => {
    expect(checkShadow(housing, shadowStats({ comparisons: 99, errors: 50, meanAbsDiff: 1e9 }), WINDOW)).toMatchObject({
      status: 'insufficient_data',
      value: null,
    });
  });
});

describe('checkCanary', () => {
  const even = new Array<number>(10).fill(20);

  it("passes a canary with no errors and the primary's prediction distribution", () => {
    const results = checkCanary(housing, { canaryVersion: '2', served: 1000, errors: 0, primaryBins: even, canaryBins: even }, WINDOW);
    expect(only(results, '2:error_rate')).toMatchObject({ check: 'canary', version: '2', status: 'pass', value: 0 });
    expect(only(results, '2:divergence')).toMatchObject({ status: 'pass', value: 0 });
  });

  it('fails a canary erring on more than 1 % of its instances', () => {
    // 980 served + 20 failed = 2 %.
    expect(
      only(
        checkCanary(housing, { canaryVersion: '2', served: 980, errors: 20, primaryBins: even, canaryBins: even }, WINDOW),
        '2:error_rate',
      ),
    ).toMatchObject({ status: 'fail', value: 0.02, threshold: 0.01 });
    expect(
      only(
        checkCanary(housing, { canaryVersion: '2', served: 995, errors: 5, primaryBins: even, canaryBins: even }, WINDOW),
        '2:error_rate',
      ),
    ).toMatchObject({ status: 'warn', value: 0.005 });
  });

  it("fails a canary whose predictions diverge from the primary's (PSI)", () => {
    const skewed = [200, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const divergence = only(
      checkCanary(housing, { canaryVersion: '2', served: 1000, errors: 0, primaryBins: even, canaryBins: skewed }, WINDOW),
      '2:divergence',
    );
    expect(divergence.status).toBe('fail');
    // (1 - .1) ln(1/.1) + 9 · (1e-4 - .1) ln(1e-4/.1)
    expect(divergence.value).toBeCloseTo(0.9 * Math.log(10) + 9 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1), 5);
  });

  it('has insufficient data with fewer than min_samples instances or predictions', () => {
    const results = checkCanary(
      housing,
      { canaryVersion: '2', served: 50, errors: 40, primaryBins: even, canaryBins: [90, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      WINDOW,
    );
    expect(only(results, '2:error_rate').status).toBe('insufficient_data');
    expect(only(results, '2:divergence').status).toBe('insufficient_data');
  });
});

const labelled = (n: number, metrics: Record<string, number | null>, positives?: number): LabelledMetrics => ({
  n,
  metrics,
  ...(positives === undefined ? {} : { positives }),
});

describe('checkQuality', () => {
  const offlineMae = housing.training.metrics.overall.mae!;
  const offlineAuc = income.training.metrics.overall.auc!;
  /** A regression sample: absolute errors spread like real ones (RMSE 1.4 × MAE). */
  const maeSample = (n: number, mae: number) => labelled(n, { mae, rmse: 1.4 * mae });

  it('regression: grades the relative rise of MAE over the offline MAE once its 95 % interval is clear of the thresholds', () => {
    const pass = only(checkQuality(housing, { overall: maeSample(5000, offlineMae * 1.01), slices: [] }, WINDOW), '');
    expect(pass.status).toBe('pass');
    expect(pass.value).toBeCloseTo(0.01, 6);
    expect(pass.details.interval).toMatchObject({ confidence: 0.95 });
    expect(only(checkQuality(housing, { overall: maeSample(5000, offlineMae * 1.08), slices: [] }, WINDOW), '').status).toBe('warn');
    const fail = only(checkQuality(housing, { overall: maeSample(5000, offlineMae * 1.16), slices: [] }, WINDOW), '');
    expect(fail).toMatchObject({ status: 'fail', threshold: 0.1 });
    expect(fail.value).toBeCloseTo(0.16, 6);
    // Better than offline is not a degradation.
    expect(only(checkQuality(housing, { overall: maeSample(5000, 30_000), slices: [] }, WINDOW), '').status).toBe('pass');
  });

  it('classification: grades the relative drop of AUC with its Hanley–McNeil interval', () => {
    const fail = only(checkQuality(income, { overall: labelled(5000, { auc: 0.78 }, 1200), slices: [] }, WINDOW), '');
    expect(fail.status).toBe('fail');
    expect(fail.value).toBeCloseTo((offlineAuc - 0.78) / offlineAuc, 4);
    expect(only(checkQuality(income, { overall: labelled(5000, { auc: 0.89 }, 1200), slices: [] }, WINDOW), '').status).toBe('pass');
    expect(only(checkQuality(income, { overall: labelled(5000, { auc: 0.9 }, 1200), slices: [] }, WINDOW), '').status).toBe('pass');
  });

  it('does not alarm on a small sample: 144 labels a little worse than offline are inconclusive, not a failure', () => {
    const result = only(checkQuality(housing, { overall: maeSample(144, offlineMae * 1.12), slices: [] }, WINDOW), '');
    expect(result.status).toBe('insufficient_data');
    expect(result.value).toBeCloseTo(0.12, 6);
    expect(String(result.details.inconclusive)).toContain('more labels are needed');
    expect(only(checkQuality(income, { overall: labelled(150, { auc: 0.85 }, 34), slices: [] }, WINDOW), '').status).toBe(
      'insufficient_data',
    );
  });

  it('judges each slice against its own offline metric, once it has 30 labels and a conclusive interval', () => {
    const inland = housing.training.metrics.slices.find((s) => s.feature === 'ocean_proximity' && s.slice === 'INLAND')!.metrics.mae!;
    const results = checkQuality(
      housing,
      {
        overall: maeSample(5000, offlineMae),
        slices: [
          { feature: 'ocean_proximity', slice: 'INLAND', stats: maeSample(2000, inland * 1.5) },
          { feature: 'ocean_proximity', slice: 'NEAR BAY', stats: maeSample(20, 1e6) },
          { feature: 'ocean_proximity', slice: 'ATLANTIS', stats: maeSample(100, 1e6) },
          { feature: 'latitude', slice: '(34, 36]', stats: maeSample(30, 50_000) },
        ],
      },
      WINDOW,
    );
    expect(only(results, '').status).toBe('pass');
    const slice = only(results, 'ocean_proximity=INLAND');
    expect(slice.status).toBe('fail');
    expect(slice.value).toBeCloseTo(0.5, 6);
    expect(only(results, 'ocean_proximity=NEAR BAY').status).toBe('insufficient_data');
    expect(only(results, 'ocean_proximity=ATLANTIS').status).toBe('insufficient_data');
    // 30 labels cannot tell a slice within a few percent of offline from one that is not.
    expect(only(results, 'latitude=(34, 36]').status).toBe('insufficient_data');
  });

  it('has insufficient data below min_samples labels or without a metric', () => {
    expect(only(checkQuality(housing, { overall: maeSample(99, 1e9), slices: [] }, WINDOW), '').status).toBe('insufficient_data');
    expect(only(checkQuality(income, { overall: labelled(500, { auc: null }, 0), slices: [] }, WINDOW), '').status).toBe(
      'insufficient_data',
    );
  });
});

describe('checkBias', () => {
  const training = income.training.metrics.slices;
  const rate = (group: string) => training.find((s) => s.feature === 'sex' && s.slice === group)!.metrics.predicted_positive_rate!;
  const groups = (female: number, male: number, n = 100): BiasStats => ({
    attribute: 'sex',
    groups: [
      { group: 'Female', n, predictedPositiveRate: female, labelledPositives: 0, truePositiveRate: null },
      { group: 'Male', n, predictedPositiveRate: male, labelledPositives: 0, truePositiveRate: null },
    ],
  });

  it('passes when the gap in positive rate between groups is what it was in training', () => {
    const [result] = checkBias(income, [groups(0.1, 0.26)], WINDOW);
    expect(result).toMatchObject({ check: 'bias', subject: 'sex', status: 'pass' });
    expect(result!.value).toBeCloseTo(0.16 - (rate('Male') - rate('Female')), 6);
  });

  it('fails when the gap grew by more than 0.1', () => {
    const [result] = checkBias(income, [groups(0.09, 0.45)], WINDOW);
    expect(result!.status).toBe('fail');
    expect(result!.value).toBeCloseTo(0.36 - (rate('Male') - rate('Female')), 6);
  });

  it('leaves groups under 30 instances out of the gap', () => {
    const stats = groups(0.1, 0.26);
    stats.groups.push({ group: 'Other', n: 29, predictedPositiveRate: 1, labelledPositives: 0, truePositiveRate: null });
    expect(checkBias(income, [stats], WINDOW)[0]!.status).toBe('pass');
    expect(checkBias(income, [groups(0.1, 0.9, 29)], WINDOW)[0]!.status).toBe('insufficient_data');
  });

  it('grades the growth of the true-positive-rate gap against training', () => {
    const base = buildManifest({ task: 'binary_classification' });
    const withTpr = parsed({
      ...base,
      features: [...base.features, feature({ name: 'group', type: 'category', categories: ['a', 'b'] })],
      encoding: {
        ...base.encoding,
        columns: [...base.encoding.columns, { transform: 'one_hot', feature: 'group', categories: ['a', 'b'] }],
      },
      golden: [{ ...base.golden[0]!, encoded: [0, 0, 0, 0, 0] }],
      monitoring: { protected_attributes: ['group'] },
      training: {
        ...base.training,
        metrics: {
          primary: 'auc',
          higher_is_better: true,
          overall: { auc: 0.8 },
          slices: [
            { feature: 'group', slice: 'a', rows: 50, metrics: { predicted_positive_rate: 0.3, true_positive_rate: 0.8 } },
            { feature: 'group', slice: 'b', rows: 50, metrics: { predicted_positive_rate: 0.3, true_positive_rate: 0.75 } },
          ],
        },
      },
    } satisfies ManifestInput);
    const stats: BiasStats = {
      attribute: 'group',
      groups: [
        { group: 'a', n: 200, predictedPositiveRate: 0.3, labelledPositives: 60, truePositiveRate: 0.8 },
        { group: 'b', n: 200, predictedPositiveRate: 0.3, labelledPositives: 60, truePositiveRate: 0.55 },
      ],
    };
    const [result] = checkBias(withTpr, [stats], WINDOW);
    // TPR gap 0.25 vs 0.05 in training: +0.2 > 0.1.
    expect(result!.status).toBe('fail');
    expect(result!.value).toBeCloseTo(0.2, 6);
  });

  it('has insufficient data for a regression model', () => {
    const results = checkBias(housing, [], WINDOW);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ check: 'bias', status: 'insufficient_data', value: null });
  });
});

describe('checkParity', () => {
  const report = (passed: boolean[]): QaReport => ({
    status: passed.every(Boolean) ? 'qa_passed' : 'qa_failed',
    checked_at: '2026-11-27T00:00:00.000Z',
    golden_examples: 20,
    checks: passed.map((p, i) => ({
      name: (['signature', 'encoding_parity', 'golden_outputs'] as const)[i]!,
      passed: p,
      message: p ? 'ok' : 'golden example 3 differs',
    })),
  });

  it('passes when every QA check of the golden examples passes', () => {
    expect(checkParity('1', report([true, true, true]))).toMatchObject({
      check: 'parity',
      subject: '1',
      status: 'pass',
      value: 0,
      window: 'golden',
    });
  });

  it('fails when a golden example no longer matches', () => {
    expect(checkParity('1', report([true, true, false]))).toMatchObject({ status: 'fail', value: 1, threshold: 0 });
  });
});
