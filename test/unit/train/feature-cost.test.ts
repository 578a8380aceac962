import { describe, expect, it } from 'vitest';
import { encodeOperations, encodeShares, featureColumns } from '../../../cli/train/feature-cost.ts';
import type { FeatureSchemaSpec, Row } from '../../../src/model/instance-validator.ts';
import type { Encoding } from '../../../src/model/manifest.ts';

const feature = (name: string, type: FeatureSchemaSpec['type'], more: Partial<FeatureSchemaSpec> = {}): FeatureSchemaSpec => ({
  name,
  type,
  required: true,
  nullable: false,
  missing_values: [],
  deprecated: false,
  ...more,
});

const features = [
  feature('size', 'number', { nullable: true }),
  feature('color', 'category', { categories: ['red', 'green', 'blue'], nullable: true }),
  feature('garden', 'boolean'),
];
const matrix: Encoding = {
  input_name: 'input',
  columns: [
    { transform: 'numeric', feature: 'size', impute: 1 },
    { transform: 'is_null', feature: 'size' },
    { transform: 'one_hot', feature: 'color', categories: ['red', 'green', 'blue'] },
    { transform: 'boolean', feature: 'garden', impute: 0 },
  ],
};
const rows: Row[] = [
  [1, 'red', true],
  [null, 'blue', false],
  [2, null, true],
  [3, 'green', false],
];

describe('feature costs', () => {
  it('counts the tensor columns each feature fills', () => {
    expect(features.map((f) => featureColumns(matrix, f.name))).toEqual([2, 3, 1]);
    const tensors: Encoding = {
      inputs: [
        {
          name: 'X',
          dtype: 'float32',
          rank: 2,
          columns: [
            { transform: 'value', feature: 'size' },
            { transform: 'value', feature: 'garden' },
          ],
        },
        { name: 'color', dtype: 'string', rank: 2, columns: [{ transform: 'value', feature: 'color', impute: 'missing' }] },
      ],
    };
    expect(features.map((f) => featureColumns(tensors, f.name))).toEqual([1, 1, 1]);
  });

  it('counts each check, category lookup and column write, and less work for a missing value', () => {
    // size: check + numeric + is_null per row. color: check (+ lookup) and a one-hot clear (+ lookup and set)
    // when present. garden: check + write.
    expect(encodeOperations(features, matrix, rows)).toEqual([12, 3 * 5 + 2, 8]);
  });

  it('gives shares that sum to 1, larger for the feature that does more work', () => {
    const shares = encodeShares(features, matrix, rows);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(shares).toEqual([0.3243, 0.4595, 0.2162]);
    const allNull = encodeShares(
      features,
      matrix,
      rows.map((row) => [row[0] ?? null, null, row[2] ?? null]),
    );
    expect(allNull[1]).toBeLessThan(shares[1]!);
  });

  it('is a pure function of the rows and the encoding', () => {
    expect(encodeShares(features, matrix, rows)).toEqual(
      encodeShares(
        features,
        matrix,
        rows.map((row) => row.slice()),
      ),
    );
  });
});
