import { describe, expect, it } from 'vitest';
import { attributeShift, summarizeExplanations, type Explanation } from '../../../src/explain/index.ts';

const explanation = (prediction: number, contributions: Record<string, number>): Explanation => ({
  method: 'linear',
  space: 'margin',
  outputs: ['value'],
  prediction: [prediction],
  base_value: [1],
  contributions: Object.fromEntries(Object.entries(contributions).map(([k, v]) => [k, [v]])),
});

describe('explanation summaries', () => {
  it('averages |contribution| and contribution per feature', () => {
    const result = summarizeExplanations([explanation(3, { a: 3, b: -1 }), explanation(-1, { a: -1, b: -1 })]);
    expect(result).toEqual({
      ok: true,
      summary: {
        method: 'linear',
        space: 'margin',
        outputs: ['value'],
        rows: 2,
        mean_prediction: [1],
        mean_base_value: [1],
        features: { a: { mean_abs: [2], mean: [1] }, b: { mean_abs: [1], mean: [-1] } },
      },
    });
  });

  it('attributes a shift of the mean prediction to the features, adding up to it', () => {
    const before = summarizeExplanations([explanation(3, { a: 3, b: -1 }), explanation(-1, { a: -1, b: -1 })]);
    const after = summarizeExplanations([explanation(6, { a: 2, b: 3 }), explanation(4, { a: 2, b: 1 })]);
    if (!before.ok || !after.ok) throw new Error('cannot summarize');
    const shift = attributeShift(before.summary, after.summary);
    expect(shift).toEqual({
      ok: true,
      shift: { outputs: ['value'], prediction_shift: [4], base_shift: [0], features: { a: [1], b: [3] } },
    });
  });

  it('refuses to mix explanations of different methods or spaces, and an empty set', () => {
    expect(summarizeExplanations([])).toEqual({ ok: false, reason: 'there are no explanations to summarize' });
    expect(summarizeExplanations([explanation(1, { a: 0 }), { ...explanation(1, { a: 0 }), space: 'raw' }]).ok).toBe(false);
  });
});
