import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvTable } from '../../../cli/lib/csv.ts';
import { readLabeledDataset } from '../../../cli/train/dataset.ts';
import { recordToInstance } from '../../../cli/train/instances.ts';
import { parseTrainingSpec, type TrainingSpec } from '../../../cli/train/spec.ts';
import { splitRows } from '../../../cli/train/split.ts';
import { mulberry32, shuffledIndexes } from '../../../src/lib/random.ts';

function spec(extra: object = {}): TrainingSpec {
  const result = parseTrainingSpec({
    task: 'binary_classification',
    stage: 'research',
    target: 'label',
    labels: ['no', 'yes'],
    exclude: ['id'],
    features: [
      { name: 'age', type: 'integer', min: 0, max: 120 },
      { name: 'job', type: 'category', nullable: true, missing_values: ['?'] },
      { name: 'owner', type: 'boolean', required: false },
    ],
    ...extra,
  });
  if (!result.ok) throw new Error(result.issues.join('\n'));
  return result.spec;
}

function csv(text: string): CsvTable {
  const result = parseCsv(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.table;
}

describe('recordToInstance', () => {
  it('turns records into the instances a client would send', () => {
    const features = spec().features;
    expect(recordToInstance(features, { age: '39', job: '?', owner: 'TRUE' })).toEqual({
      ok: true,
      instance: { age: 39, job: '?', owner: true },
    });
    // An empty optional, non-nullable cell is omitted, as a client would leave it out.
    expect(recordToInstance(features, { age: '39.0', job: null, owner: null })).toEqual({ ok: true, instance: { age: 39, job: null } });
    expect(recordToInstance(features, { age: 'old', job: 'x', owner: '1' })).toEqual({
      ok: false,
      column: 'age',
      message: '"old" is not a number',
    });
    expect(recordToInstance(features, { age: 'Infinity', job: 'x', owner: '1' })).toMatchObject({ ok: false, column: 'age' });
    expect(recordToInstance(features, { age: '3', job: 'x', owner: 'maybe' })).toMatchObject({ ok: false, column: 'owner' });
  });
});

describe('readLabeledDataset', () => {
  it('validates rows with the shared validator and infers categories from the data', () => {
    const result = readLabeledDataset(spec(), csv('id,age,job,owner,label\n1,30,b,true,yes\n2,40,?,,no\n3,50,a,false,no\n'), 'd.csv');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.dataset.features[1]!.categories).toEqual(['a', 'b']);
    expect(result.dataset.rows).toEqual([
      [30, 'b', true],
      [40, null, null],
      [50, 'a', false],
    ]);
    expect(Array.from(result.dataset.targets)).toEqual([1, 0, 0]);
    expect(result.dataset.lines).toEqual([2, 3, 4]);
  });

  it('names the file line and column of each bad value', () => {
    const result = readLabeledDataset(
      spec(),
      csv('id,age,job,owner,label\n1,130,b,true,yes\n2,x,a,true,no\n3,5,a,true,perhaps\n'),
      'd.csv',
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'd.csv line 3, column "age": "x" is not a number',
        'd.csv line 4, column "label": "perhaps" is not one of the labels "no", "yes"',
      ],
    });
    const range = readLabeledDataset(spec(), csv('id,age,job,owner,label\n1,130,b,true,yes\n'), 'd.csv');
    expect(range).toEqual({ ok: false, errors: ['d.csv line 2, column "age": "age" is 130; it must be between 0 and 120'] });
  });

  it('rejects columns that are neither features, the target nor excluded, and missing columns', () => {
    expect(readLabeledDataset(spec(), csv('id,age,job,owner,label,zip\n1,3,a,true,no,9\n'), 'd.csv')).toEqual({
      ok: false,
      errors: ['d.csv: column "zip" is not a feature, the target or excluded (add it to exclude)'],
    });
    expect(readLabeledDataset(spec(), csv('id,job,owner,label\n1,a,true,no\n'), 'd.csv')).toEqual({
      ok: false,
      errors: ['d.csv: has no column "age"'],
    });
  });
});

describe('splitRows', () => {
  it('splits rows deterministically by seed', () => {
    const a = splitRows(100, 0.2, 42);
    expect(a.holdout.length).toBe(20);
    expect(a.train.length).toBe(80);
    expect(new Set([...a.train, ...a.holdout]).size).toBe(100);
    expect(Array.from(splitRows(100, 0.2, 42).holdout)).toEqual(Array.from(a.holdout));
    expect(Array.from(splitRows(100, 0.2, 43).holdout)).not.toEqual(Array.from(a.holdout));
    expect(Array.from(shuffledIndexes(5, mulberry32(42)))).toEqual(Array.from(shuffledIndexes(5, mulberry32(42))));
  });

  it('draws the same mulberry32 sequence on every machine', () => {
    const random = mulberry32(42);
    expect([random(), random(), random()].map((v) => v.toFixed(10))).toEqual(['0.6011037519', '0.4482905590', '0.8524657935']);
  });
});
