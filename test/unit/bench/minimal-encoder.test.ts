import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { minimalEncoder, type EncodingColumnSpec } from '../../../bench/limit/minimal-encoder.ts';

interface GoldenManifest {
  encoding: { columns: EncodingColumnSpec[] };
  golden: { instance: Record<string, unknown>; encoded: number[] }[];
}

describe('minimalEncoder (the limit Worker’s encoding)', () => {
  for (const version of ['1', '2']) {
    it(`builds the golden tensors of california-housing v${version}, so the limit runs the model on the same input as Vigil`, () => {
      const manifest = JSON.parse(readFileSync(new URL(`../../../models/california-housing/${version}/manifest.json`, import.meta.url), 'utf8')) as GoldenManifest;
      const encoder = minimalEncoder(manifest.encoding.columns);
      const out = encoder.encode(manifest.golden.map((g) => g.instance));
      manifest.golden.forEach((g, i) => {
        expect([...out.subarray(i * encoder.width, (i + 1) * encoder.width)]).toEqual(g.encoded.map((v) => Math.fround(v)));
      });
    });
  }

  it('imputes missing numbers, flags nulls and leaves unknown categories all-zero', () => {
    const encoder = minimalEncoder([
      { transform: 'numeric', feature: 'a', impute: 7 },
      { transform: 'is_null', feature: 'a' },
      { transform: 'boolean', feature: 'b', impute: 0 },
      { transform: 'one_hot', feature: 'c', categories: ['x', 'y'] },
    ]);
    expect(encoder.width).toBe(5);
    expect([...encoder.encode([{ a: null, b: true, c: 'y' }, { a: 2, c: 'z' }])]).toEqual([7, 1, 1, 0, 1, 2, 0, 0, 0, 0]);
  });
});
