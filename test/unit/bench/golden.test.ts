import { describe, expect, it } from 'vitest';
import { goldenMismatches, withinTolerance, type GoldenExample } from '../../../bench/lib/golden.ts';

const tolerance = { abs: 1e-5, rel: 1e-5 };

describe('withinTolerance', () => {
  it('allows abs + rel × |expected|, as the QA gate does', () => {
    expect(withinTolerance(100.001, 100, tolerance)).toBe(true); // within 1e-5 + 1e-3
    expect(withinTolerance(100.0011, 100, tolerance)).toBe(false);
    expect(withinTolerance(0.000009, 0, tolerance)).toBe(true);
    expect(withinTolerance(0.000011, 0, tolerance)).toBe(false);
  });
});

describe('goldenMismatches', () => {
  const regression: GoldenExample[] = [
    { instance: { a: 1 }, expected: { value: 460440.1875 } },
    { instance: { a: 2 }, expected: { value: 1.5 } },
  ];
  const classifier: GoldenExample[] = [{ instance: { a: 1 }, expected: { label: '1', probabilities: { '0': 0.09, '1': 0.91 } } }];

  it('accepts answers within the manifest’s tolerance', () => {
    expect(goldenMismatches([{ value: 460440.19 }, { value: 1.500001 }], regression, tolerance)).toEqual([]);
    expect(goldenMismatches([{ label: '1', probabilities: { '0': 0.090001, '1': 0.909999 } }], classifier, tolerance)).toEqual([]);
  });

  it('uses the manifest’s tolerance, not a looser fixed one', () => {
    // 1e-3 relative would pass this; the manifest's 1e-5 does not.
    expect(goldenMismatches([{ value: 460440.1875 * (1 + 5e-4) }, { value: 1.5 }], regression, tolerance)).toHaveLength(1);
    expect(goldenMismatches([{ value: 460440.1875 * (1 + 5e-4) }, { value: 1.5 }], regression, { abs: 0, rel: 1e-3 })).toEqual([]);
  });

  it('names a wrong value, a wrong label, a wrong or missing probability and a missing answer', () => {
    expect(goldenMismatches([{ value: 460460 }, { value: 1.5 }], regression, tolerance)[0]).toMatch(
      /golden 0: predicted 460460, the manifest expects 460440.1875/,
    );
    expect(goldenMismatches([{ label: '0', probabilities: { '0': 0.09, '1': 0.91 } }], classifier, tolerance)).toEqual([
      'golden 0: label 0, the manifest expects 1',
    ]);
    expect(goldenMismatches([{ label: '1', probabilities: { '0': 0.2 } }], classifier, tolerance)).toEqual([
      'golden 0: P(0) 0.2, the manifest expects 0.09',
      'golden 0: P(1) undefined, the manifest expects 0.91',
    ]);
    expect(goldenMismatches([{ value: 460440.1875 }], regression, tolerance)).toEqual(['1 predictions for 2 golden examples']);
  });
});
