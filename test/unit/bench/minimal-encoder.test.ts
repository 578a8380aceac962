import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { minimalEncoder, minimalFeedsEncoder, type EncodingColumnSpec, type EncodingSpec } from '../../../bench/limit/minimal-encoder.ts';

interface GoldenManifest {
  encoding: { columns: EncodingColumnSpec[] };
  golden: { instance: Record<string, unknown>; encoded: number[] }[];
}

describe('minimalEncoder (the limit Worker’s encoding)', () => {
  for (const version of ['1', '2']) {
    it(`builds the golden tensors of california-housing v${version}, so the limit runs the model on the same input as Vigil`, () => {
      const manifest = JSON.parse(
        readFileSync(new URL(`../../../models/california-housing/${version}/manifest.json`, import.meta.url), 'utf8'),
      ) as GoldenManifest;
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
    expect([
      ...encoder.encode([
        { a: null, b: true, c: 'y' },
        { a: 2, c: 'z' },
      ]),
    ]).toEqual([7, 1, 1, 0, 1, 2, 0, 0, 0, 0]);
  });
});

describe('minimalFeedsEncoder (the limit Worker’s feeds, every model family)', () => {
  interface FeedsManifest {
    encoding: EncodingSpec;
    golden: { instance: Record<string, unknown>; encoded: number[] | Record<string, (number | string | null)[]> }[];
  }
  const read = (path: string) =>
    JSON.parse(readFileSync(new URL(`../../../models/${path}/manifest.json`, import.meta.url), 'utf8')) as FeedsManifest;

  it('builds the one float matrix of a Vigil-trained model (adult-income v2), as its golden rows have it', () => {
    const manifest = read('adult-income/2');
    const feeds = minimalFeedsEncoder(manifest.encoding).encode(manifest.golden.map((g) => g.instance));
    const input = feeds.input!;
    const width = (manifest.golden[0]!.encoded as number[]).length;
    expect(input.dtype).toBe('float32');
    expect(input.dims).toEqual([manifest.golden.length, width]);
    manifest.golden.forEach((g, i) => {
      expect([...(input.data as Float32Array).subarray(i * width, (i + 1) * width)]).toEqual(
        (g.encoded as number[]).map((v) => Math.fround(v)),
      );
    });
  });

  it('builds one typed tensor per input of an imported pipeline (titanic v1: strings and float32, missing numbers as NaN)', () => {
    const manifest = read('titanic/1');
    const feeds = minimalFeedsEncoder(manifest.encoding).encode(manifest.golden.map((g) => g.instance));
    const n = manifest.golden.length;
    for (const [name, feed] of Object.entries(feeds)) {
      expect(feed.dims).toEqual([n, 1]);
      manifest.golden.forEach((g, i) => {
        const want = (g.encoded as Record<string, (number | string | null)[]>)[name]![0];
        const got = (feed.data as ArrayLike<number | string>)[i];
        if (want === null) expect(got).toBeNaN();
        else expect(got).toEqual(typeof want === 'number' ? Math.fround(want) : want);
      });
    }
    expect(feeds.sex!.dtype).toBe('string');
    expect(feeds.age!.dtype).toBe('float32');
  });

  it('imputes non-float inputs from the manifest and leaves a missing float to the graph', () => {
    const encoder = minimalFeedsEncoder({
      inputs: [
        { name: 's', dtype: 'string', rank: 2, columns: [{ transform: 'value', feature: 's', impute: 'missing' }] },
        { name: 'x', dtype: 'float32', rank: 1, columns: [{ transform: 'value', feature: 'x' }] },
        { name: 'k', dtype: 'int64', rank: 2, columns: [{ transform: 'value', feature: 'k', impute: 7 }] },
      ],
    });
    const feeds = encoder.encode([
      { s: null, x: null, k: null },
      { s: 'a', x: 2, k: 3 },
    ]);
    expect(feeds.s).toEqual({ dtype: 'string', data: ['missing', 'a'], dims: [2, 1] });
    expect(feeds.x!.dims).toEqual([2]);
    expect([...(feeds.x!.data as Float32Array)]).toEqual([Number.NaN, 2]);
    expect([...(feeds.k!.data as BigInt64Array)]).toEqual([7n, 3n]);
  });
});
