import { describe, expect, it } from 'vitest';
import {
  accuracy,
  bandLabel,
  binaryClassificationMetrics,
  groupBySlice,
  logLoss,
  meanAbsoluteError,
  regressionMetrics,
  rocAuc,
  rootMeanSquaredError,
  rSquared,
  sliceLabel,
  sliceMetrics,
} from '../../src/model/metrics.ts';

describe('metrics', () => {
  it('computes MAE, RMSE and R² by hand', () => {
    const actual = [3, -0.5, 2, 7];
    const predicted = [2.5, 0, 2, 8];
    expect(meanAbsoluteError(actual, predicted)).toBeCloseTo(0.5, 12);
    expect(rootMeanSquaredError(actual, predicted)).toBeCloseTo(Math.sqrt(0.375), 12);
    // mean 2.875; SS_tot = 29.1875; SS_res = 1.5
    expect(rSquared(actual, predicted)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(regressionMetrics(actual, predicted)).toEqual({ mae: 0.5, rmse: Math.sqrt(0.375), r2: 1 - 1.5 / 29.1875 });
  });

  it('leaves R² undefined when the actual values do not vary', () => {
    expect(rSquared([2, 2], [1, 3])).toBeNull();
    expect(regressionMetrics([2, 2], [1, 3])).toEqual({ mae: 1, rmse: 1 });
  });

  it('computes AUC as the share of correctly ordered positive–negative pairs', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1], [0.2, 0.9])).toBe(1);
    expect(rocAuc([1, 0], [0.2, 0.9])).toBe(0);
  });

  it('counts tied scores as half-correct pairs in AUC', () => {
    // Pairs (pos, neg): (0.5, 0.5) tie → 0.5, (0.5, 0.1) → 1, (0.9, 0.5) → 1, (0.9, 0.1) → 1 → 3.5 / 4.
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])).toBe(0.875);
    expect(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('leaves AUC undefined with a single class', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
    expect(binaryClassificationMetrics([1, 1], [0.2, 0.7])).not.toHaveProperty('auc');
  });

  it('clips probabilities in log-loss so a confident mistake costs -log(epsilon)', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 9);
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-15), 1);
    expect(logLoss([1], [0], 0.01)).toBeCloseTo(-Math.log(0.01), 12);
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true);
  });

  it('predicts the positive label above 0.5 for accuracy, as the decoder argmax does', () => {
    expect(accuracy([1, 0, 1, 0], [0.9, 0.6, 0.5, 0.5])).toBe(0.5);
    expect(binaryClassificationMetrics([1, 0, 1, 0], [0.9, 0.6, 0.5, 0.5])).toMatchObject({
      accuracy: 0.5,
      positive_rate: 0.5,
      predicted_positive_rate: 0.5,
    });
  });

  it('labels numeric bands with open lower and closed upper ends', () => {
    const bands = [34, 36, 38];
    expect(bandLabel(bands, 30)).toBe('(-∞, 34]');
    expect(bandLabel(bands, 34)).toBe('(-∞, 34]');
    expect(bandLabel(bands, 34.01)).toBe('(34, 36]');
    expect(bandLabel(bands, 38)).toBe('(36, 38]');
    expect(bandLabel(bands, 41.9)).toBe('(38, ∞)');
    expect(sliceLabel({ feature: 'latitude', bands }, null)).toBe('null');
    expect(sliceLabel({ feature: 'garden' }, true)).toBe('true');
  });

  it('groups rows by slice: bands in order, categories sorted, null last', () => {
    expect([...groupBySlice({ feature: 'lat', bands: [34, 36] }, [40, null, 35, 33, 35.5])]).toEqual([
      ['(-∞, 34]', [3]],
      ['(34, 36]', [2, 4]],
      ['(36, ∞)', [0]],
      ['null', [1]],
    ]);
    expect([...groupBySlice({ feature: 'sex' }, [null, 'Male', 'Female', 'Male'])]).toEqual([
      ['Female', [2]],
      ['Male', [1, 3]],
      ['null', [0]],
    ]);
  });

  it('computes metrics per slice', () => {
    const actual = [1, 2, 3, 4];
    const predicted = [1, 3, 3, 2];
    const sex = ['F', 'M', 'F', 'M'];
    const slices = sliceMetrics(
      [{ feature: 'sex' }],
      () => sex,
      (rows) =>
        regressionMetrics(
          rows.map((r) => actual[r]!),
          rows.map((r) => predicted[r]!),
        ),
    );
    expect(slices).toEqual([
      { feature: 'sex', slice: 'F', rows: 2, metrics: { mae: 0, rmse: 0, r2: 1 } },
      { feature: 'sex', slice: 'M', rows: 2, metrics: { mae: 1.5, rmse: Math.sqrt(2.5), r2: 1 - 5 / 2 } },
    ]);
  });
});
