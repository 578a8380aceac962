/**
 * Checks a CSV file against a model's features the way serving will: each record becomes the instance a
 * client would send and goes through the shared validator. Used to confirm that a manifest's domain
 * bounds and categories accept real traffic (e.g. the live/ replay files) before it ships.
 *
 * @example
 * const report = validateTable(manifest.features, table);
 * console.log(report.valid, report.invalid, report.byReason);
 */
import type { CsvTable } from '../lib/csv.ts';
import { compileValidator, FieldErrors, type FeatureSchemaSpec } from '../../src/model/instance-validator.ts';
import { recordToInstance } from './instances.ts';

export interface TableValidationReport {
  valid: number;
  invalid: number;
  /** Failing rows per "field: code" (a row failing two ways counts under both). */
  byReason: Record<string, number>;
  /** The first few failures, with their file lines. */
  examples: string[];
}

const MAX_EXAMPLES = 10;

export function validateTable(features: readonly FeatureSchemaSpec[], table: CsvTable): TableValidationReport {
  const validator = compileValidator({ features });
  const report: TableValidationReport = { valid: 0, invalid: 0, byReason: {}, examples: [] };
  table.records.forEach((record, r) => {
    const line = table.recordLines[r];
    const converted = recordToInstance(features, record);
    const reasons: string[] = [];
    const messages: string[] = [];
    if (!converted.ok) {
      reasons.push(`${converted.column}: unreadable`);
      messages.push(converted.message);
    } else {
      const errors = new FieldErrors();
      if (!validator.validate(converted.instance, r, errors)) {
        for (const e of errors.list) {
          reasons.push(`${e.field}: ${e.code}`);
          messages.push(e.message);
        }
      }
    }
    if (reasons.length === 0) return void report.valid++;
    report.invalid++;
    for (const reason of new Set(reasons)) report.byReason[reason] = (report.byReason[reason] ?? 0) + 1;
    if (report.examples.length < MAX_EXAMPLES) report.examples.push(`line ${line}: ${messages.join('; ')}`);
  });
  return report;
}
