import { describe, expect, it } from 'vitest';
import type { Attribution } from '../../../src/reports/attribution.ts';
import {
  attributionCaption,
  attributionNote,
  AttributionFigure,
  chartedOutput,
  foldBars,
  previousWindowWords,
  type OkAttribution,
} from '../../../src/reports/views/attribution-view.tsx';

function attribution(shifts: Record<string, number[]>, overrides: Partial<OkAttribution> = {}): OkAttribution {
  const outputs = overrides.outputs ?? ['value'];
  const features = Object.entries(shifts)
    .map(([feature, shift]) => ({ feature, shift, mean_abs: { reference: shift.map(() => 1000), current: shift.map(() => 1000) } }))
    .sort((a, b) => Math.max(...b.shift.map(Math.abs)) - Math.max(...a.shift.map(Math.abs)));
  const sum = outputs.map((_, k) => features.reduce((s, f) => s + f.shift[k]!, 0));
  return {
    status: 'ok',
    method: 'linear',
    space: 'margin',
    outputs,
    rows: { reference: 100, current: 80 },
    prediction_shift: sum,
    base_shift: outputs.map(() => 0),
    features,
    hashed_features: [],
    skipped_rows: 0,
    ...overrides,
  };
}

const drift = { kind: 'drift', window: '1h', version: '1' } as const;
const shadow = { kind: 'shadow', shadow: '2', primary: '1' } as const;

describe('which output an attribution chart shows', () => {
  it("is the positive label when the outputs have it, else the last output (a regression's value)", () => {
    expect(chartedOutput(['<=50K', '>50K'], '>50K')).toBe(1);
    expect(chartedOutput(['yes', 'no'], 'yes')).toBe(0);
    expect(chartedOutput(['a', 'b', 'c'])).toBe(2);
    expect(chartedOutput(['a', 'b', 'c'], 'not-a-label')).toBe(2);
    expect(chartedOutput(['value'])).toBe(0);
  });
});

describe('the ten largest and the others', () => {
  it('keeps the ten largest |values| first and sums the rest into one grey bar', () => {
    const items = Array.from({ length: 13 }, (_, i) => ({ label: `f${i}`, value: (i % 2 ? -1 : 1) * (i + 1) }));
    const bars = foldBars(items);
    expect(bars).toHaveLength(11);
    expect(bars.slice(0, 10).map((b) => b.label)).toEqual(['f12', 'f11', 'f10', 'f9', 'f8', 'f7', 'f6', 'f5', 'f4', 'f3']);
    expect(bars[10]).toEqual({ label: '3 other features', value: 1 - 2 + 3, aggregate: true });
  });

  it('adds no others bar when everything fits, and says "1 other feature" for one', () => {
    expect(
      foldBars([
        { label: 'a', value: 1 },
        { label: 'b', value: -3 },
      ]).map((b) => b.label),
    ).toEqual(['b', 'a']);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ label: `f${i}`, value: i + 1 }));
    expect(foldBars(eleven).at(-1)).toEqual({ label: '1 other feature', value: 1, aggregate: true });
  });
});

describe('the caption', () => {
  it('says how the mean prediction moved since the previous window and what the largest shift explains', () => {
    const a = attribution({ median_income: [7900.4], latitude: [300], longitude: [-80] });
    expect(attributionCaption(a, 0, drift)).toBe(
      'Predictions rose by 8,120 on average since the previous hour; median_income explains +7,900 of it.',
    );
    const fell = attribution({ median_income: [-7900], latitude: [-100] });
    expect(attributionCaption(fell, 0, { ...drift, window: '7d' })).toBe(
      'Predictions fell by 8,000 on average since the previous 7 days; median_income explains −7,900 of it.',
    );
  });

  it('says when the largest shift goes against the change, and when nothing changed', () => {
    const against = attribution({ age: [-300], a: [200], b: [200] });
    expect(attributionCaption(against, 0, drift)).toBe(
      'Predictions rose by 100 on average since the previous hour; the largest feature shift, age (−300), goes the other way.',
    );
    const still = attribution({ age: [-300], a: [300] });
    expect(attributionCaption(still, 0, drift)).toBe(
      'Predictions did not change on average since the previous hour; the largest feature shift is age (−300).',
    );
    const nothing = attribution({ age: [0], a: [0] });
    expect(attributionCaption(nothing, 0, drift)).toBe(
      "Predictions did not change on average since the previous hour; no feature's mean contribution changed.",
    );
  });

  it('compares a shadow with the primary in the output that matters', () => {
    const a = attribution(
      { relationship: [0.02, -0.03], age: [-0.01, 0.012] },
      { outputs: ['<=50K', '>50K'], space: 'probability', method: 'sampling_shapley' },
    );
    expect(attributionCaption(a, 1, shadow)).toBe(
      "Version 2's predicted probability of “>50K” is 0.018 lower than version 1's on average on the same requests; " +
        'relationship explains −0.03 of the difference.',
    );
    const regression = attribution({ median_income: [1200], latitude: [-100] }, { base_shift: [50], prediction_shift: [1150] });
    expect(attributionCaption(regression, 0, shadow)).toBe(
      "Version 2's predictions are 1,150 higher than version 1's on average on the same requests; " +
        'median_income explains +1,200 of the difference.',
    );
  });

  it('reads window labels as the window before', () => {
    expect(previousWindowWords('1h')).toBe('the previous hour');
    expect(previousWindowWords('24h')).toBe('the previous 24 hours');
  });
});

describe('the note under the chart', () => {
  it('gives the method, the rows, the additive check, skipped rows and hashed (PII) features', () => {
    const a = attribution(
      { age: [0.3], sex: [-0.1] },
      { hashed_features: ['native-country'], skipped_rows: 2, base_shift: [0.05], prediction_shift: [0.25] },
    );
    const note = attributionNote(a, 0, drift);
    expect(note).toContain('exact linear contributions (margin space)');
    expect(note).toContain('100 logged instances of the previous window against 80 of this one');
    expect(note).toContain('feature shifts +0.2 + base value shift +0.05 = mean change +0.25');
    expect(note).toContain('2 logged instances no longer validate and were skipped');
    expect(note).toContain('native-country is stored hashed (PII), so it is explained as if absent');
    expect(attributionNote(a, 0, shadow)).toContain('80 logged requests both versions answered');
  });

  it('writes float noise in the base value shift as zero', () => {
    const a = attribution({ age: [24161] }, { base_shift: [8.7e-11] });
    expect(attributionNote(a, 0, drift)).toContain('base value shift 0 =');
  });
});

describe('AttributionFigure', () => {
  it('charts the shifts of the output that matters under the caption', () => {
    const a = attribution({ relationship: [0.02, -0.03], age: [-0.01, 0.012] }, { outputs: ['<=50K', '>50K'], space: 'probability' });
    const html = String(AttributionFigure({ attribution: a, id: 'shadow-2-attribution', scope: shadow, positiveLabel: '>50K' }));
    expect(html).toContain('data-attribution="ok"');
    expect(html).toContain('data-output="&gt;50K"');
    expect(html).toContain('<title id="shadow-2-attribution-title">What makes version 2 predict differently from version 1</title>');
    expect(html).toContain('<title>relationship: −0.03</title>');
    expect(html).toContain('<title>age: +0.012</title>');
  });

  it('shows the reason instead of a chart when there is no attribution', () => {
    const reason: Attribution = {
      status: 'insufficient_data',
      reason: 'no logged instances of version 1 in the previous window to explain',
    };
    const html = String(AttributionFigure({ attribution: reason, id: 'drift-attribution', scope: drift }));
    expect(html).toContain('data-attribution="insufficient_data"');
    expect(html).toContain(
      'Not enough logged traffic to say which features moved the predictions: ' +
        'No logged instances of version 1 in the previous window to explain.',
    );
    expect(html).not.toContain('<svg');
    const unavailable = String(
      AttributionFigure({ attribution: { status: 'unavailable', reason: 'Softplus cannot be explained' }, id: 'x', scope: drift }),
    );
    expect(unavailable).toContain('cannot be worked out: Softplus cannot be explained.');
  });
});
