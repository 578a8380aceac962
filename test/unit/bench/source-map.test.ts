import { describe, expect, it } from 'vitest';
import { decodeVlq, SourceLocator } from '../../../bench/lib/source-map.ts';

describe('decodeVlq', () => {
  it('decodes base64 VLQ fields, signs and continuations', () => {
    expect(decodeVlq('AAAA')).toEqual([0, 0, 0, 0]);
    expect(decodeVlq('CAAC')).toEqual([1, 0, 0, 1]);
    expect(decodeVlq('D')).toEqual([-1]);
    expect(decodeVlq('gB')).toEqual([16]);
    expect(decodeVlq('2HwBA')).toEqual([123, 24, 0]);
  });

  it('rejects characters outside base64', () => {
    expect(() => decodeVlq('A!')).toThrow(/invalid base64 VLQ/);
  });
});

describe('SourceLocator', () => {
  // Line 0: columns 0 → a.ts, 10 → b.ts; line 1: column 4 → a.ts; line 2 unmapped.
  const locator = new SourceLocator({ sources: ['src/a.ts', 'node_modules/hono/b.js'], mappings: 'AAAA,UCAA;IDAA;' });

  it('finds the source of the segment at or before a column', () => {
    expect(locator.sourceAt(0, 0)).toBe('src/a.ts');
    expect(locator.sourceAt(0, 9)).toBe('src/a.ts');
    expect(locator.sourceAt(0, 10)).toBe('node_modules/hono/b.js');
    expect(locator.sourceAt(0, 500)).toBe('node_modules/hono/b.js');
    expect(locator.sourceAt(1, 4)).toBe('src/a.ts');
  });

  it('returns null before the first segment and on unmapped lines', () => {
    expect(locator.sourceAt(1, 3)).toBeNull();
    expect(locator.sourceAt(2, 0)).toBeNull();
    expect(locator.sourceAt(99, 0)).toBeNull();
  });
});
