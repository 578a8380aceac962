import { describe, expect, it } from 'vitest';
import { feedbackBatches, postFeedback } from '../../../cli/lib/replay/feedback.ts';
import { modelInputs } from '../../../cli/lib/replay/model-inputs.ts';
import { runPaced } from '../../../cli/lib/replay/pacer.ts';
import { compareWithOffline, qualityByVersion } from '../../../cli/lib/replay/quality.ts';
import { buildRow, convertCell, planReplay, type ReplayPlanInput } from '../../../cli/lib/replay/replay-rows.ts';
import { percentile, summarizeOutcomes } from '../../../cli/lib/replay/replay-stats.ts';
import { parseSet, parseShift, type ColumnTransform } from '../../../cli/lib/replay/transforms.ts';
import { ApiError } from '../../../cli/lib/cli-error.ts';

const inputs = [
  { name: 'income', kind: 'number' as const },
  { name: 'age', kind: 'integer' as const },
  { name: 'region', kind: 'string' as const },
  { name: 'coastal', kind: 'boolean' as const },
];
const header = ['income', 'age', 'region', 'coastal', 'price', 'comment'];

function plan(overrides: Partial<ReplayPlanInput> = {}) {
  const result = planReplay({ header, inputs, task: 'regression', labelColumn: 'price', transforms: [], ...overrides });
  if (!result.ok) throw new Error(result.message);
  return result.plan;
}

function transform(text: string, parse = parseShift): ColumnTransform {
  const result = parse(text);
  if (!result.ok) throw new Error(result.message);
  return result.transform;
}

describe('modelInputs', () => {
  it('reads input kinds from V2 datatypes and the task from the outputs', () => {
    expect(
      modelInputs({
        name: 'm',
        inputs: [
          { name: 'a', datatype: 'FP32' },
          { name: 'b', datatype: 'INT64' },
          { name: 'c', datatype: 'BYTES' },
          { name: 'd', datatype: 'BOOL' },
        ],
        outputs: [
          { name: 'label', datatype: 'BYTES' },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        ],
      }),
    ).toEqual({
      ok: true,
      task: 'binary_classification',
      inputs: [
        { name: 'a', kind: 'number' },
        { name: 'b', kind: 'integer' },
        { name: 'c', kind: 'string' },
        { name: 'd', kind: 'boolean' },
      ],
    });
    expect(
      modelInputs({ name: 'm', inputs: [{ name: 'a', datatype: 'FP32' }], outputs: [{ name: 'value', datatype: 'FP32' }] }),
    ).toMatchObject({ ok: true, task: 'regression' });
    expect(
      modelInputs({
        name: 'm',
        inputs: [{ name: 'a', datatype: 'FP32' }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
      }),
    ).toMatchObject({ task: 'multiclass_classification' });
  });
});

describe('convertCell', () => {
  it('turns empty cells into null, parses numbers and booleans, keeps strings and unparseable text', () => {
    expect(convertCell(null, 'number')).toBeNull();
    expect(convertCell(' ', 'integer')).toBeNull();
    expect(convertCell('3.25', 'number')).toBe(3.25);
    expect(convertCell('-7', 'integer')).toBe(-7);
    expect(convertCell('n/a', 'number')).toBe('n/a');
    expect(convertCell('TRUE', 'boolean')).toBe(true);
    expect(convertCell('0', 'boolean')).toBe(false);
    expect(convertCell('maybe', 'boolean')).toBe('maybe');
    expect(convertCell('007', 'string')).toBe('007');
    expect(convertCell('', 'string')).toBe('');
  });
});

describe('planReplay and buildRow', () => {
  it('types the inputs, ignores other columns and holds the label back', () => {
    const p = plan();
    expect(p.ignoredColumns).toEqual(['comment']);
    const row = buildRow({ income: '8.3', age: '41', region: 'NEAR BAY', coastal: 'true', price: '452600', comment: 'x' }, 0, 'abc', p);
    expect(row).toEqual({
      row: 1,
      requestId: 'replay-abc-1',
      instance: { income: 8.3, age: 41, region: 'NEAR BAY', coastal: true },
      label: 452600,
      routingKey: undefined,
    });
  });

  it('reads classification labels as strings and a missing label as null', () => {
    const p = plan({ task: 'binary_classification' });
    expect(buildRow({ income: '1', age: '2', region: 'r', coastal: null, price: '>50K', comment: null }, 4, 'r1', p)).toMatchObject({
      row: 5,
      label: '>50K',
      instance: { coastal: null },
    });
    expect(buildRow({ income: '1', age: '2', region: 'r', coastal: null, price: null, comment: null }, 0, 'r1', p).label).toBeNull();
  });

  it('applies shifts (integers rounded) and sets, leaving nulls alone', () => {
    const p = plan({
      transforms: [
        transform('income=*1.5'),
        transform('age=-3.4'),
        transform('region=ISLAND', parseSet),
        transform('coastal=', parseSet),
        transform('price=+100'),
      ],
    });
    expect(buildRow({ income: '2', age: '40', region: 'INLAND', coastal: 'false', price: '1000', comment: null }, 0, 'r', p)).toMatchObject(
      {
        instance: { income: 3, age: 37, region: 'ISLAND', coastal: null },
        label: 1100,
      },
    );
    expect(
      buildRow({ income: null, age: '40', region: 'INLAND', coastal: 'false', price: '1', comment: null }, 0, 'r', p).instance.income,
    ).toBeNull();
  });

  it('sends a routing key column', () => {
    const p = plan({ header: [...header, 'user'], routingKeyColumn: 'user' });
    expect(p.ignoredColumns).toEqual(['comment']);
    expect(
      buildRow({ income: '1', age: '1', region: 'r', coastal: '1', price: '1', comment: null, user: 'u-17' }, 0, 'r', p).routingKey,
    ).toBe('u-17');
  });

  it('lists model inputs the CSV lacks, unless --set provides them', () => {
    const p = planReplay({ header: ['income', 'price'], inputs, task: 'regression', transforms: [transform('region=INLAND', parseSet)] });
    expect(p).toMatchObject({ ok: true, plan: { missingInputs: ['age', 'coastal'] } });
  });

  it('refuses transforms on unknown, non-input or non-numeric columns and bad label columns', () => {
    const refuse = (overrides: Partial<ReplayPlanInput>) => {
      const result = planReplay({ header, inputs, task: 'regression', transforms: [], ...overrides });
      return result.ok ? 'accepted' : result.message;
    };
    expect(refuse({ transforms: [transform('comment=*2')] })).toContain('"comment" is not a model input');
    expect(refuse({ transforms: [transform('nope=1', parseSet)] })).toContain('"nope" is neither a CSV column nor a model input');
    expect(refuse({ transforms: [transform('region=*2')] })).toContain('"region" is not numeric (string); use --set');
    expect(refuse({ transforms: [transform('income=*2'), transform('income=1', parseSet)] })).toContain('transformed twice');
    expect(refuse({ labelColumn: 'missing' })).toContain('--label-column "missing" is not a column of the CSV');
    expect(refuse({ labelColumn: 'income' })).toContain('is a model input');
    expect(refuse({ routingKeyColumn: 'user' })).toContain('--routing-key-column "user" is not a column');
  });
});

describe('parseShift and parseSet', () => {
  it('reads *, + and - shifts', () => {
    expect(parseShift('a=*1.5')).toMatchObject({ ok: true, transform: { column: 'a', op: '*', operand: 1.5 } });
    expect(parseShift('a=+10')).toMatchObject({ ok: true, transform: { op: '+', operand: 10 } });
    expect(parseShift('a=-3')).toMatchObject({ ok: true, transform: { op: '+', operand: -3 } });
    for (const bad of ['a', 'a=1.5', 'a=*', '=*2', 'a=*x']) expect(parseShift(bad).ok, bad).toBe(false);
  });

  it('reads sets, an empty value meaning missing', () => {
    expect(parseSet('region=NEAR BAY')).toMatchObject({ ok: true, transform: { column: 'region', value: 'NEAR BAY' } });
    expect(parseSet('a=b=c')).toMatchObject({ ok: true, transform: { column: 'a', value: 'b=c' } });
    expect(parseSet('a=')).toMatchObject({ ok: true, transform: { value: null } });
    expect(parseSet('a').ok).toBe(false);
  });
});

describe('runPaced', () => {
  it('starts task i at i / rate seconds and never runs more than `concurrency` at once', async () => {
    let clock = 0;
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const pending: (() => void)[] = [];
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const started = runPaced(6, { ratePerSecond: 10, concurrency: 2, now: () => clock, sleep }, async () => {
      starts.push(clock);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => pending.push(resolve));
      running--;
    });
    // Let tasks finish one by one as they start.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      pending.shift()?.();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    pending.splice(0).forEach((resolve) => resolve());
    expect(await started).toBe(6);
    expect(maxRunning).toBe(2);
    expect(starts.every((t, i) => t >= i * 100)).toBe(true);
  });

  it('stops starting tasks once stopped', async () => {
    let count = 0;
    const started = await runPaced(
      10,
      { ratePerSecond: 0, concurrency: 1, now: () => 0, sleep: async () => {}, stopped: () => count >= 3 },
      async () => {
        count++;
      },
    );
    expect(started).toBe(3);
  });
});

describe('summarizeOutcomes', () => {
  it('counts statuses, distinct errors, versions and latency percentiles', () => {
    const outcomes = [
      ...Array.from({ length: 98 }, (_, i) => ({
        row: i + 1,
        requestId: `r${i}`,
        status: 200,
        latencyMs: i + 1,
        version: i < 90 ? '1' : '2',
      })),
      { row: 99, requestId: 'r98', status: 400, latencyMs: 500, error: 'bad income' },
      { row: 100, requestId: 'r99', status: 0, latencyMs: 1000, error: 'cannot reach' },
    ];
    const summary = summarizeOutcomes(outcomes);
    expect(summary).toMatchObject({ sent: 100, ok: 98, errors: 2, byStatus: { 200: 98, 400: 1, network: 1 }, versions: { 1: 90, 2: 8 } });
    expect(summary.errorMessages).toEqual([
      { message: 'bad income', count: 1 },
      { message: 'cannot reach', count: 1 },
    ]);
    // 99 answered requests (the network failure has no latency): ranks 50, 95 and 99 of [1..98, 500].
    expect(summary.latencyMs).toMatchObject({ p50: 50, p95: 95, p99: 500, max: 500 });
    expect(percentile([5], 0.99)).toBe(5);
  });
});

describe('quality', () => {
  it('computes MAE and RMSE per version for regression', () => {
    const [v1, v2] = qualityByVersion('regression', undefined, [
      { version: '1', label: 20, prediction: { value: 15 } },
      { version: '1', label: 18, prediction: { value: 20 } },
      { version: '1', label: 25, prediction: { value: 0 } },
      { version: '2', label: 10, prediction: { value: 11 } },
    ]);
    expect(v1).toMatchObject({ version: '1', rows: 3, skipped: 0 });
    expect(v1!.metrics.mae).toBeCloseTo(32 / 3, 10);
    expect(v1!.metrics.rmse).toBeCloseTo(Math.sqrt(654 / 3), 10);
    expect(v2).toMatchObject({ version: '2', rows: 1, metrics: { mae: 1, rmse: 1 } });
  });

  it('computes AUC and accuracy for the positive label, leaving out unknown labels', () => {
    const p = (positive: number) => ({
      label: positive > 0.5 ? '>50K' : '<=50K',
      probabilities: { '<=50K': 1 - positive, '>50K': positive },
    });
    const [q] = qualityByVersion('binary_classification', '>50K', [
      { version: '1', label: '>50K', prediction: p(0.9) },
      { version: '1', label: '<=50K', prediction: p(0.8) },
      { version: '1', label: '>50K', prediction: p(0.3) },
      { version: '1', label: '<=50K', prediction: p(0.1) },
      { version: '1', label: '>50K.', prediction: p(0.1) },
    ]);
    expect(q).toMatchObject({ rows: 4, skipped: 1, metrics: { auc: 0.75, accuracy: 0.5 } });
  });

  it('compares with the offline metrics, primary first, with the relative difference and direction', () => {
    const rows = compareWithOffline(
      { mae: 12, rmse: 10, r2: 0.9 },
      { primary: 'mae', higher_is_better: false, overall: { rmse: 10, mae: 10, r2: 0.8 } },
    );
    expect(rows[0]).toEqual({ metric: 'mae', live: 12, offline: 10, relativeDifference: 0.2, primary: true, direction: 'worse' });
    expect(rows[1]).toMatchObject({ metric: 'rmse', relativeDifference: 0, direction: 'same' });
    expect(rows[2]).toMatchObject({ metric: 'r2', direction: 'better' });
    expect(rows[2]!.relativeDifference).toBeCloseTo(0.125, 10);
  });
});

describe('feedback batches', () => {
  it('splits into batches of at most 1000 and adds up the answers, continuing past a refused batch', async () => {
    expect(feedbackBatches(Array.from({ length: 2500 }, (_, i) => i)).map((b) => b.length)).toEqual([1000, 1000, 500]);
    const items = Array.from({ length: 2500 }, (_, i) => ({ request_id: `r${i}`, label: 1, instance: 0 }));
    let calls = 0;
    const totals = await postFeedback(items, async (batch) => {
      calls++;
      if (calls === 2) throw new ApiError(400, 'label must be a number', 'invalid_request', [], null);
      return {
        accepted: batch.length,
        matched: batch.length - 1,
        unknown: [{ request_id: batch[0]!.request_id, instance: 0 }],
        duplicates: [],
      };
    });
    expect(totals).toEqual({
      sent: 2500,
      accepted: 1500,
      matched: 1498,
      unknown: 2,
      duplicates: 0,
      unknownSample: ['r0', 'r2000'],
      failedBatches: [{ items: 1000, error: 'label must be a number' }],
    });
  });
});
