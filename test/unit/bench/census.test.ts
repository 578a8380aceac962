import { describe, expect, it } from 'vitest';
import { completeness } from '../../../bench/lib/census.ts';

describe('completeness', () => {
  it('divides the instances profiles counted by the instances Vigil answered, per model', () => {
    expect(completeness({ a: 990, b: 500 }, { a: 1000, b: 500, c: 0 })).toEqual({ a: 0.99, b: 1, c: null });
  });

  it('counts a served model with no profiles as none reached D1', () => {
    expect(completeness({}, { a: 10 })).toEqual({ a: 0 });
  });
});
