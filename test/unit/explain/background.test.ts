import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodedColumnMeans } from '../../../src/explain/background.ts';
import { drawBackgroundRows } from '../../../src/model/sample-rows.ts';
import { mulberry32 } from '../../../src/lib/random.ts';
import { compileEncoder } from '../../../src/model/encoding.ts';
import { compileValidator, FieldErrors } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';

function load(id: string): Manifest {
  const parsed = parseManifest(JSON.parse(readFileSync(new URL(`../../../models/${id}/manifest.json`, import.meta.url), 'utf8')));
  if (!parsed.ok) throw new Error(`${id}: invalid manifest`);
  return parsed.manifest;
}

describe('background rows from the training statistics', () => {
  it('draws valid rows whose encoded column means approach the exact expectations', () => {
    for (const id of ['california-housing/1', 'adult-income/1']) {
      const manifest = load(id);
      const rows = drawBackgroundRows(manifest.features, 20_000, mulberry32(3));
      const validator = compileValidator(manifest);
      const errors = new FieldErrors();
      rows.forEach((row, i) => validator.validate(Object.fromEntries(manifest.features.map((f, j) => [f.name, row[j]])), i, errors));
      expect(errors.list).toEqual([]);
      const encoder = compileEncoder(manifest);
      const x = encoder.encode(rows);
      const columns = 'columns' in manifest.encoding ? manifest.encoding.columns : [];
      const exact = encodedColumnMeans(manifest.features, columns);
      if (!exact.ok) throw new Error(exact.reason);
      // The scale of each column: its feature's std for numbers, 1 for indicators.
      const scales = columns.flatMap((c) => {
        const stats = manifest.features.find((f) => f.name === c.feature)!.training;
        return c.transform === 'one_hot' ? c.categories.map(() => 1) : [c.transform === 'numeric' && 'std' in stats ? stats.std : 1];
      });
      for (let c = 0; c < encoder.width; c++) {
        let sum = 0;
        for (let r = 0; r < rows.length; r++) sum += x[r * encoder.width + c]!;
        // Numbers are drawn within decile bins, so their means are close to, not equal to, the training means.
        expect(Math.abs(sum / rows.length - exact.means[c]!), `${id} column ${c}`).toBeLessThan(0.05 * scales[c]! + 0.01);
      }
    }
  });

  it('draws integers for integer features, nulls at the null rate, and the same rows for the same seed', () => {
    const manifest = load('california-housing/2');
    const rows = drawBackgroundRows(manifest.features, 5000, mulberry32(4));
    const age = manifest.features.findIndex((f) => f.name === 'housing_median_age');
    const bedrooms = manifest.features.findIndex((f) => f.name === 'total_bedrooms');
    expect(rows.every((r) => Number.isInteger(r[age]))).toBe(true);
    const nullRate = rows.filter((r) => r[bedrooms] === null).length / rows.length;
    expect(Math.abs(nullRate - manifest.features[bedrooms]!.training.null_rate)).toBeLessThan(0.01);
    expect(drawBackgroundRows(manifest.features, 10, mulberry32(4))).toEqual(rows.slice(0, 10));
  });

  it('gives exact column expectations: numeric with imputation, is_null, one-hot; none for a NaN left to the graph', () => {
    const features = [
      { name: 'x', training: { count: 10, null_rate: 0.2, mean: 5, std: 1, min: 0, max: 10, bin_edges: [5], bin_frequencies: [0.5, 0.5] } },
      { name: 'c', training: { count: 10, null_rate: 0.5, category_frequencies: { p: 0.25, q: 0.75 } } },
    ];
    expect(
      encodedColumnMeans(features, [
        { transform: 'numeric', feature: 'x', impute: 10 },
        { transform: 'is_null', feature: 'x' },
        { transform: 'one_hot', feature: 'c', categories: ['q', 'p'] },
      ]),
    ).toEqual({ ok: true, means: Float64Array.of(0.8 * 5 + 0.2 * 10, 0.2, 0.375, 0.125) });
    expect(encodedColumnMeans(features, [{ transform: 'value', feature: 'x' }])).toEqual({
      ok: false,
      reason: '"x" reaches the graph as NaN when null (the graph imputes it)',
    });
  });
});
