/**
 * CSV records → prediction instances: the JSON object a client would send for that row. Numbers are
 * parsed with Number(), an empty cell is null, and a feature's missing-value token (such as "?") is kept
 * as the string the client would send, so the shared validator — not this file — decides what is missing.
 *
 * @example
 * recordToInstance(features, { age: '39', workclass: '?' });
 * // { ok: true, instance: { age: 39, workclass: '?' } }
 */
import type { CsvRecord } from '../lib/csv.ts';
import type { FeatureValue } from '../../src/model/manifest.ts';
import type { FeatureSchemaSpec } from '../../src/model/instance-validator.ts';

export type Instance = Record<string, FeatureValue>;

export type InstanceResult = { ok: true; instance: Instance } | { ok: false; column: string; message: string };

const BOOLEAN_CELLS = new Map<string, boolean>([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
]);

export function recordToInstance(features: readonly FeatureSchemaSpec[], record: CsvRecord): InstanceResult {
  const instance: Instance = {};
  for (const f of features) {
    const cell = record[f.name];
    if (cell === undefined) return { ok: false, column: f.name, message: 'the column is missing' };
    if (cell === null) {
      // A client omits an optional feature it cannot fill; a nullable one it may send as null.
      if (f.nullable || f.required) instance[f.name] = null;
      continue;
    }
    if (f.missing_values.includes(cell) || f.type === 'category') {
      instance[f.name] = cell;
      continue;
    }
    if (f.type === 'boolean') {
      const b = BOOLEAN_CELLS.get(cell.trim().toLowerCase());
      if (b === undefined) return { ok: false, column: f.name, message: `${JSON.stringify(cell)} is not true/false/1/0` };
      instance[f.name] = b;
      continue;
    }
    const n = Number(cell);
    if (cell.trim() === '' || !Number.isFinite(n)) return { ok: false, column: f.name, message: `${JSON.stringify(cell)} is not a number` };
    instance[f.name] = n;
  }
  return { ok: true, instance };
}
