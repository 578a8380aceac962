/**
 * Chooses the manifest encoding from the training split: numeric features impute the training median and
 * gain an is_null column when training had nulls (so the model can learn that missing means something);
 * booleans impute the more common value; categories are one-hot over the categories seen in training, and
 * null or a category never seen in training encodes as all zeros.
 *
 * @example
 * const result = planEncoding(features, trainRows);
 * if (result.ok) compileEncoder({ features, encoding: result.encoding });
 */
import type { EncodingColumn, MatrixEncoding } from '../../src/model/manifest.ts';
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import { median } from './feature-stats.ts';

export const INPUT_NAME = 'input';

export type EncodingPlanResult = { ok: true; encoding: MatrixEncoding } | { ok: false; errors: string[] };

export function planEncoding(features: readonly FeatureSchemaSpec[], trainRows: readonly Row[]): EncodingPlanResult {
  const columns: EncodingColumn[] = [];
  const errors: string[] = [];
  features.forEach((f, i) => {
    const values = trainRows.map((row) => row[i] ?? null);
    const hasNulls = values.includes(null);
    switch (f.type) {
      case 'number':
      case 'integer': {
        const impute = median(values as (number | null)[]);
        if (impute === null) return errors.push(`feature "${f.name}" has no values in the training split`);
        columns.push({ transform: 'numeric', feature: f.name, impute });
        break;
      }
      case 'boolean': {
        const trues = values.filter((v) => v === true).length;
        const falses = values.filter((v) => v === false).length;
        if (trues + falses === 0) return errors.push(`feature "${f.name}" has no values in the training split`);
        columns.push({ transform: 'boolean', feature: f.name, impute: trues > falses ? 1 : 0 });
        break;
      }
      case 'category': {
        const seen = new Set(values);
        const categories = (f.categories ?? []).filter((c) => seen.has(c));
        if (categories.length === 0) return errors.push(`feature "${f.name}" has no categories in the training split`);
        columns.push({ transform: 'one_hot', feature: f.name, categories });
        return;
      }
    }
    if (hasNulls) columns.push({ transform: 'is_null', feature: f.name });
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, encoding: { input_name: INPUT_NAME, columns } };
}
