import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../cli/lib/csv.ts';
import { validateTable } from '../../../cli/train/validate-dataset.ts';
import { parseManifest } from '../../../src/model/manifest.ts';

// The replay data lives beside the project, not in it; without it these checks are skipped.
const LIVE_DIR = new URL('../../../../shared/datasets/live/', import.meta.url);
const MODELS_DIR = new URL('../../../models/', import.meta.url);

function liveReport(model: string, version: string) {
  const parsed = parseManifest(JSON.parse(readFileSync(new URL(`${model}/${version}/manifest.json`, MODELS_DIR), 'utf8')));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const csv = parseCsv(readFileSync(new URL(`${model}.csv`, LIVE_DIR), 'utf8'));
  if (!csv.ok) throw new Error(csv.error.message);
  return validateTable(parsed.manifest.features, csv.table);
}

describe.skipIf(!existsSync(LIVE_DIR))('live replay data against the committed manifests', () => {
  it('accepts every live housing row', () => {
    for (const version of ['1', '2']) expect(liveReport('california-housing', version)).toMatchObject({ valid: 4128, invalid: 0 });
  });

  it('accepts every live income row except categories never seen in training', () => {
    for (const version of ['1', '2']) {
      const report = liveReport('adult-income', version);
      expect(report.valid + report.invalid).toBe(6512);
      expect(Object.keys(report.byReason)).toEqual(['native-country: unknown_category']);
      expect(report.invalid).toBe(1);
    }
  });
});

describe('validateTable', () => {
  it('counts rows failing validation by field and code', () => {
    const csv = parseCsv('size,rooms,color,garden\n10,2,red,true\n-5,2,red,true\nx,2,teal,\n');
    if (!csv.ok) throw new Error(csv.error.message);
    const base = { required: true, nullable: false, missing_values: [], deprecated: false };
    const features = [
      { ...base, name: 'size', type: 'number' as const, min: 0 },
      { ...base, name: 'rooms', type: 'integer' as const },
      { ...base, name: 'color', type: 'category' as const, categories: ['red'] },
      { ...base, name: 'garden', type: 'boolean' as const, nullable: true },
    ];
    expect(validateTable(features, csv.table)).toEqual({
      valid: 1,
      invalid: 2,
      byReason: { 'size: out_of_range': 1, 'size: unreadable': 1 },
      examples: ['line 3: "size" is -5; it must be between 0 and ∞', 'line 4: "x" is not a number'],
    });
  });
});
