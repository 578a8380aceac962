/**
 * A labeled training dataset read from a CSV table under a training spec: the instances a client would
 * send, the rows the shared validator makes of them (the same normalization serving applies), and the
 * targets. Every error names the file line and the column.
 *
 * @example
 * const result = readLabeledDataset(spec, table, 'adult-income.csv');
 * if (result.ok) console.log(result.dataset.rows.length);
 */
import type { CsvTable } from '../lib/csv.ts';
import { compileValidator, FieldErrors, type FeatureSchemaSpec, type Row } from '../../src/model/instance-validator.ts';
import { recordToInstance, type Instance } from './instances.ts';
import { specPositiveLabel, type TrainingSpec } from './spec.ts';

export interface LabeledDataset {
  /** Features with categories filled in (declared, else every category the file holds). */
  features: FeatureSchemaSpec[];
  instances: Instance[];
  rows: Row[];
  /** Regression: the target value. Binary classification: 1 for the positive label, else 0. */
  targets: Float64Array;
  /** File line of each row, for messages. */
  lines: number[];
}

export type DatasetResult = { ok: true; dataset: LabeledDataset } | { ok: false; errors: string[] };

const MAX_LISTED_ERRORS = 5;

export function readLabeledDataset(spec: TrainingSpec, table: CsvTable, file: string): DatasetResult {
  const columns = new Set(table.header);
  const known = new Set([spec.target, ...spec.exclude, ...spec.features.map((f) => f.name)]);
  const absent = [spec.target, ...spec.features.map((f) => f.name)].filter((c) => !columns.has(c));
  const unexpected = table.header.filter((c) => !known.has(c));
  const headerErrors = [
    ...(absent.length > 0 ? [`${file}: has no column ${quoteList(absent)}`] : []),
    ...(unexpected.length > 0
      ? [`${file}: column ${quoteList(unexpected)} is not a feature, the target or excluded (add it to exclude)`]
      : []),
  ];
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };
  if (table.records.length === 0) return { ok: false, errors: [`${file}: has no data rows`] };

  const errors: string[] = [];
  let errorCount = 0;
  const report = (message: string) => {
    errorCount++;
    if (errors.length < MAX_LISTED_ERRORS) errors.push(message);
  };

  const instances: Instance[] = [];
  const targets = new Float64Array(table.records.length);
  const positive = specPositiveLabel(spec);
  table.records.forEach((record, r) => {
    const where = `${file} line ${table.recordLines[r]}`;
    const converted = recordToInstance(spec.features, record);
    if (!converted.ok) report(`${where}, column "${converted.column}": ${converted.message}`);
    else instances.push(converted.instance);
    const cell = record[spec.target] ?? null;
    if (cell === null) return report(`${where}, column "${spec.target}": the target is empty`);
    if (spec.task === 'regression') {
      const y = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(y))
        return report(`${where}, column "${spec.target}": ${JSON.stringify(cell)} is not a number`);
      targets[r] = y;
    } else {
      if (!spec.labels!.includes(cell)) {
        return report(
          `${where}, column "${spec.target}": ${JSON.stringify(cell)} is not one of the labels ` +
            `${spec.labels!.map((l) => JSON.stringify(l)).join(', ')}`,
        );
      }
      targets[r] = cell === positive ? 1 : 0;
    }
  });
  if (errorCount > 0) return { ok: false, errors: withMore(errors, errorCount) };

  const features = withCategories(spec.features, instances);
  const validator = compileValidator({ features });
  const rows: Row[] = [];
  instances.forEach((instance, r) => {
    const fieldErrors = new FieldErrors();
    const row = validator.validate(instance, r, fieldErrors);
    if (row) rows.push(row);
    else for (const e of fieldErrors.list) report(`${file} line ${table.recordLines[r]}, column "${e.field}": ${e.message}`);
  });
  if (errorCount > 0) return { ok: false, errors: withMore(errors, errorCount) };
  return { ok: true, dataset: { features, instances, rows, targets, lines: table.recordLines } };
}

/** Category features without declared categories take every value the data holds, sorted (code-unit order). */
function withCategories(features: readonly FeatureSchemaSpec[], instances: readonly Instance[]): FeatureSchemaSpec[] {
  return features.map((f) => {
    if (f.type !== 'category' || f.categories) return f;
    const missing = new Set(f.missing_values);
    const seen = new Set<string>();
    for (const instance of instances) {
      const v = instance[f.name];
      if (typeof v === 'string' && !missing.has(v)) seen.add(v);
    }
    if (seen.size === 0) return f;
    return { ...f, categories: [...seen].sort(compareCodeUnits) };
  });
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function quoteList(names: readonly string[]): string {
  const shown = names
    .slice(0, 5)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > 5 ? `${shown} … (${names.length} in all)` : shown;
}

function withMore(errors: string[], count: number): string[] {
  return count > errors.length ? [...errors, `… and ${count - errors.length} more errors`] : errors;
}
