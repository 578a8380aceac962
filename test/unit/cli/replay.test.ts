import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runReplay } from '../../../cli/commands/replay.ts';
import { versionRecord } from './fixtures.ts';
import { at, captureIo, sendJson, startServer, vigilError, type RecordedRequest, type TestServer } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csvFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const housing = csvFile(
  'housing.csv',
  [
    'median_income,housing_median_age,ocean_proximity,is_coastal,median_house_value,notes,user',
    '1.5,20,NEAR BAY,true,20,hello,u1',
    '2.0,,INLAND,false,18,,u2',
    ',35,"",1,25,x,u3',
    'abc,10,NEAR OCEAN,0,,,u4',
  ].join('\n'),
);

const METADATA = {
  name: 'housing',
  versions: ['1', '2'],
  platform: 'onnxruntime_onnx',
  inputs: [
    { name: 'median_income', datatype: 'FP32', shape: [-1] },
    { name: 'housing_median_age', datatype: 'INT64', shape: [-1] },
    { name: 'ocean_proximity', datatype: 'BYTES', shape: [-1] },
    { name: 'is_coastal', datatype: 'BOOL', shape: [-1] },
  ],
  outputs: [{ name: 'value', datatype: 'FP32', shape: [-1] }],
};

interface FakeVigil {
  server: TestServer;
  predictions(): RecordedRequest[];
  feedback(): RecordedRequest[];
  maxInFlight(): number;
}

/**
 * A Vigil stand-in: predictions are 10 × median_income (a non-number income is a 400), users whose key ends
 * in an even digit go to version 2; feedback reports request ids ending in -3 as unknown.
 */
async function fakeVigil(
  options: { delayMs?: number; sampleRate?: number; shadows?: { version: string; sample_rate: number }[] } = {},
): Promise<FakeVigil> {
  let inFlight = 0;
  let maxInFlight = 0;
  const server = await startServer(async (req, res) => {
    const path = req.url.split('?')[0]!;
    if (path === '/v2/models/housing') return sendJson(res, 200, METADATA);
    if (path === '/v2/models/missing') return sendJson(res, 404, { error: 'model "missing" does not exist; models: housing' });
    if (path === '/v1/models/housing/predict') {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      inFlight--;
      const body = req.json as { instances: Record<string, unknown>[]; routing_key?: string };
      const income = body.instances[0]!.median_income;
      if (typeof income !== 'number' && income !== null) {
        return vigilError(res, 400, 'invalid_instance', 'instance 0: median_income must be a number', [
          { instance: 0, field: 'median_income', code: 'wrong_type', message: 'must be a number' },
        ]);
      }
      const version = /[24680]$/.test(body.routing_key ?? '') ? '2' : '1';
      return sendJson(
        res,
        200,
        { model: 'housing', version, request_id: req.headers['x-request-id'], predictions: [{ value: (income ?? 0) * 10 }] },
        { 'x-model-version': version },
      );
    }
    if (path === '/v1/models/housing/feedback') {
      const items = (req.json as { items: { request_id: string }[] }).items;
      const unknown = items.filter((i) => i.request_id.endsWith('-3')).map((i) => ({ request_id: i.request_id, instance: 0 }));
      return sendJson(res, 200, { accepted: items.length, matched: items.length - unknown.length, unknown });
    }
    if (path === '/admin/models/housing/deployment')
      return sendJson(res, 200, {
        model: 'housing',
        primary: '1',
        canary: null,
        shadows: options.shadows ?? [],
        sample_rate: options.sampleRate ?? 1,
        revision: 1,
        updated_at: '2026-11-27T00:00:00Z',
        updated_by: 'x',
      });
    if (path === '/admin/models/housing/versions/1')
      return sendJson(
        res,
        200,
        versionRecord({
          version: '1',
          offline_metrics: { primary: 'mae', higher_is_better: false, overall: { mae: 8, rmse: 10, r2: 0.8 } },
        }),
      );
    if (path === '/admin/models/housing/versions/2')
      return sendJson(
        res,
        200,
        versionRecord({ version: '2', offline_metrics: { primary: 'mae', higher_is_better: false, overall: { mae: 4, rmse: 5 } } }),
      );
    return vigilError(res, 404, 'not_found', `no route for ${req.method} ${path}`);
  });
  return {
    server,
    predictions: () => server.requests.filter((r) => r.url === '/v1/models/housing/predict'),
    feedback: () => server.requests.filter((r) => r.url === '/v1/models/housing/feedback'),
    maxInFlight: () => maxInFlight,
  };
}

let vigil: FakeVigil | undefined;
afterEach(async () => {
  await vigil?.server.close();
  vigil = undefined;
});

const fast = ['--rate', '0'];

function byRow(requests: RecordedRequest[]): Map<number, RecordedRequest> {
  return new Map(requests.map((r) => [Number(/-(\d+)$/.exec(String(r.headers['x-request-id']))![1]), r]));
}

describe('vigil replay', () => {
  it('sends one typed instance per row with replay request ids, ignoring other columns and holding the label back', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    const code = await runReplay([housing, '--model', 'housing', '--label-column', 'median_house_value', ...fast, ...at(vigil.server)], io);
    expect(code).toBe(1); // row 4 is refused

    const requests = vigil.predictions();
    expect(requests).toHaveLength(4);
    const ids = requests.map((r) => String(r.headers['x-request-id']));
    const runId = /^replay-([0-9a-f]{8})-\d$/.exec(ids[0]!)![1];
    expect(ids.sort()).toEqual([1, 2, 3, 4].map((row) => `replay-${runId}-${row}`));
    const rows = byRow(requests);
    expect(rows.get(1)!.json).toEqual({
      instances: [{ median_income: 1.5, housing_median_age: 20, ocean_proximity: 'NEAR BAY', is_coastal: true }],
    });
    expect(rows.get(2)!.json).toEqual({
      instances: [{ median_income: 2, housing_median_age: null, ocean_proximity: 'INLAND', is_coastal: false }],
    });
    expect(rows.get(3)!.json).toEqual({
      instances: [{ median_income: null, housing_median_age: 35, ocean_proximity: '', is_coastal: true }],
    });
    expect(rows.get(4)!.json).toEqual({
      instances: [{ median_income: 'abc', housing_median_age: 10, ocean_proximity: 'NEAR OCEAN', is_coastal: false }],
    });
    expect(rows.get(1)!.headers['content-type']).toBe('application/json');
    // Predictions go without the admin token.
    expect(rows.get(1)!.headers.authorization).toBeUndefined();

    const out = io.out();
    expect(out).toContain('ignored (not model inputs): notes, user');
    expect(out).toContain('sent 4 in');
    expect(out).toMatch(/3 ok, 1 error/);
    expect(out).toMatch(/200\s+3/);
    expect(out).toMatch(/400\s+1/);
    expect(out).toMatch(/1\s+instance 0: median_income must be a number/);
    expect(out).toMatch(/p50\s+p95\s+p99\s+max\s+mean/);
    expect(out).toMatch(/versions served[^\n]*\n\s+version\s+requests\s+share\n\s+1\s+3\s+100 %/);
  });

  it('measures quality against the labels next to the offline metrics of the serving version', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    await runReplay([housing, '--model', 'housing', '--label-column', 'median_house_value', '--json', ...fast, ...at(vigil.server)], io);
    const summary = JSON.parse(io.out());
    expect(summary).toMatchObject({
      model: 'housing',
      rows: 4,
      requests: { sent: 4, ok: 3, errors: 1, by_status: { 200: 3, 400: 1 } },
      versions: { 1: 3 },
    });
    const [v1] = summary.quality.versions;
    // Predictions 15, 20, 0 against labels 20, 18, 25.
    expect(v1.rows).toBe(3);
    expect(v1.metrics.mae).toBeCloseTo(32 / 3, 10);
    expect(v1.metrics.rmse).toBeCloseTo(Math.sqrt(654 / 3), 10);
    expect(v1.offline_comparison[0]).toMatchObject({ metric: 'mae', offline: 8, primary: true, direction: 'worse' });
    expect(v1.offline_comparison[0].relative_difference).toBeCloseTo((32 / 3 - 8) / 8, 10);
    expect(summary.latency_ms.p50).toBeGreaterThanOrEqual(0);
  });

  it('prints the quality table in human output', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    await runReplay([housing, '--model', 'housing', '--label-column', 'median_house_value', ...fast, ...at(vigil.server)], io);
    expect(io.out()).toContain('quality against "median_house_value" (3 labelled predictions)');
    expect(io.out()).toMatch(/1\s+3\s+mae \*\s+10\.67\s+8\s+\+33 % \(worse\)/);
  });

  it('shows live metrics without offline ones when there is no admin token', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    await runReplay([housing, '--model', 'housing', '--label-column', 'median_house_value', ...fast, '--url', vigil.server.url], io);
    expect(io.out()).toMatch(/1\s+3\s+mae\s+10\.67\s+—\s+—/);
    expect(io.out()).toContain('offline metrics not shown: they need the admin token');
    expect(vigil.server.requests.some((r) => r.url.startsWith('/admin'))).toBe(false);
  });

  it('posts the held-back labels as feedback after the run', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    const code = await runReplay(
      [
        housing,
        '--model',
        'housing',
        '--label-column',
        'median_house_value',
        '--feedback',
        '--feedback-delay',
        '0',
        '--limit',
        '3',
        ...fast,
        ...at(vigil.server),
      ],
      io,
    );
    expect(code).toBe(0);
    const [feedback, ...more] = vigil.feedback();
    expect(more).toHaveLength(0);
    const lastPrediction = vigil.server.requests.lastIndexOf(vigil.predictions().at(-1)!);
    expect(vigil.server.requests.indexOf(feedback!)).toBeGreaterThan(lastPrediction);
    const runId = /^replay-(\w+)-/.exec(String(vigil.predictions()[0]!.headers['x-request-id']))![1];
    expect(feedback!.json).toEqual({
      items: [
        { request_id: `replay-${runId}-1`, label: 20, instance: 0 },
        { request_id: `replay-${runId}-2`, label: 18, instance: 0 },
        { request_id: `replay-${runId}-3`, label: 25, instance: 0 },
      ],
    });
    expect(io.out()).toContain('posted 3 labels: 3 accepted, 2 matched, 1 unknown');
    expect(io.out()).toContain(`e.g. replay-${runId}-3`);
  });

  it('posts feedback with its own credential: --feedback-key, else the API key, else the admin token', async () => {
    vigil = await fakeVigil();
    const args = [
      housing,
      '--model',
      'housing',
      '--label-column',
      'median_house_value',
      '--feedback',
      '--feedback-delay',
      '0',
      '--limit',
      '1',
      ...fast,
      ...at(vigil.server),
    ];
    await runReplay(args, captureIo());
    expect(vigil.feedback()[0]!.headers.authorization).toBe('Bearer secret-token');
    await runReplay([...args, '--api-key', 'api-key-0123456789abcdef'], captureIo());
    expect(vigil.feedback()[1]!.headers.authorization).toBe('Bearer api-key-0123456789abcdef');
    await runReplay([...args, '--api-key', 'api-key-0123456789abcdef', '--feedback-key', 'feedback-key-0123456789'], captureIo());
    expect(vigil.feedback()[2]!.headers.authorization).toBe('Bearer feedback-key-0123456789');
  });

  it('reports feedback totals in --json output', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    await runReplay(
      [
        housing,
        '--model',
        'housing',
        '--label-column',
        'median_house_value',
        '--feedback',
        '--feedback-delay',
        '0',
        '--json',
        ...fast,
        ...at(vigil.server),
      ],
      io,
    );
    const summary = JSON.parse(io.out());
    expect(summary.feedback).toEqual({
      sent: 3,
      accepted: 3,
      matched: 2,
      unknown: 1,
      duplicates: 0,
      unknown_sample: [`replay-${summary.run_id}-3`],
      failed_batches: [],
    });
  });

  it('warns before a feedback run when the deployment logs only a sample of requests', async () => {
    vigil = await fakeVigil({ sampleRate: 0.01 });
    const io = captureIo();
    await runReplay(
      [
        housing,
        '--model',
        'housing',
        '--label-column',
        'median_house_value',
        '--feedback',
        '--feedback-delay',
        '0',
        ...fast,
        ...at(vigil.server),
      ],
      io,
    );
    expect(io.err()).toContain('housing logs 1 % of primary requests');
    expect(io.err()).toContain('vigil sampling housing --rate 1');
  });

  it('does not warn when a shadow at rate 1 makes every request logged', async () => {
    vigil = await fakeVigil({ sampleRate: 0.01, shadows: [{ version: '2', sample_rate: 1 }] });
    const io = captureIo();
    await runReplay(
      [
        housing,
        '--model',
        'housing',
        '--label-column',
        'median_house_value',
        '--feedback',
        '--feedback-delay',
        '0',
        ...fast,
        ...at(vigil.server),
      ],
      io,
    );
    expect(io.err()).not.toContain('of primary requests');
  });

  it('applies --shift and --set before sending and sends the routing key column', async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    await runReplay(
      [
        housing,
        '--model',
        'housing',
        '--shift',
        'median_income=*2',
        '--shift',
        'housing_median_age=+0.6',
        '--set',
        'ocean_proximity=ISLAND',
        '--routing-key-column',
        'user',
        '--limit',
        '2',
        ...fast,
        ...at(vigil.server),
      ],
      io,
    );
    const rows = byRow(vigil.predictions());
    expect(rows.get(1)!.json).toEqual({
      instances: [{ median_income: 3, housing_median_age: 21, ocean_proximity: 'ISLAND', is_coastal: true }],
      routing_key: 'u1',
    });
    expect(rows.get(2)!.json).toEqual({
      instances: [{ median_income: 4, housing_median_age: null, ocean_proximity: 'ISLAND', is_coastal: false }],
      routing_key: 'u2',
    });
    expect(io.out()).toContain('transforms: shift median_income=*2, shift housing_median_age=+0.6, set ocean_proximity=ISLAND');
    expect(io.out()).toMatch(/1\s+1\s+50 %\n\s+2\s+1\s+50 %/);
  });

  it('refuses transforms of unknown columns before sending anything (exit 2)', async () => {
    vigil = await fakeVigil();
    for (const [flag, value, message] of [
      ['--shift', 'notes=*2', '"notes" is not a model input'],
      ['--shift', 'ocean_proximity=+1', 'is not numeric'],
      ['--set', 'nope=1', '"nope" is neither a CSV column nor a model input'],
      ['--shift', 'median_income=1.5', 'is not a shift'],
    ] as const) {
      const io = captureIo();
      expect(await runReplay([housing, '--model', 'housing', flag, value, ...at(vigil.server)], io)).toBe(2);
      expect(io.err()).toContain(message);
    }
    expect(vigil.predictions()).toHaveLength(0);
  });

  it('keeps at most --concurrency requests in flight', async () => {
    vigil = await fakeVigil({ delayMs: 15 });
    const many = csvFile(
      'many.csv',
      ['median_income,median_house_value', ...Array.from({ length: 24 }, (_, i) => `${i},${i * 10}`)].join('\n'),
    );
    const io = captureIo();
    expect(await runReplay([many, '--model', 'housing', '--concurrency', '3', ...fast, ...at(vigil.server)], io)).toBe(0);
    expect(vigil.predictions()).toHaveLength(24);
    expect(vigil.maxInFlight()).toBeLessThanOrEqual(3);
    expect(vigil.maxInFlight()).toBeGreaterThanOrEqual(2);
    expect(io.err()).toContain('no column for model inputs housing_median_age, ocean_proximity, is_coastal');
  });

  it('paces requests at --rate', async () => {
    vigil = await fakeVigil();
    const rows = csvFile('rate.csv', ['median_income', ...Array.from({ length: 11 }, (_, i) => String(i))].join('\n'));
    const io = captureIo();
    const started = performance.now();
    await runReplay([rows, '--model', 'housing', '--rate', '200', '--concurrency', '8', ...at(vigil.server)], io);
    // 11 requests at 200/s: the last starts 50 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(vigil.predictions()).toHaveLength(11);
  });

  it("prints the server's message when the model does not exist", async () => {
    vigil = await fakeVigil();
    const io = captureIo();
    expect(await runReplay([housing, '--model', 'missing', ...at(vigil.server)], io)).toBe(1);
    expect(io.err()).toBe('vigil: model "missing" does not exist; models: housing\n');
  });

  it('exits 2 for a missing CSV, a bad CSV or --feedback without a label column', async () => {
    for (const [args, message] of [
      [[join(dir, 'none.csv'), '--model', 'housing'], 'none.csv does not exist'],
      [[csvFile('bad.csv', 'a,b\n1\n'), '--model', 'housing'], 'bad.csv:2: has 1 fields, the header has 2'],
      [[housing, '--model', 'housing', '--feedback'], '--feedback needs --label-column'],
      [[housing], '--model is required'],
      [[housing, '--model', 'housing', '--feedback-delay', 'soon'], '--feedback-delay: "soon" is not a duration'],
    ] as const) {
      const io = captureIo();
      expect(await runReplay([...args, '--url', 'http://127.0.0.1:9'], io), message).toBe(2);
      expect(io.err()).toContain(message);
    }
  });
});

describe('vigil replay on a binary classifier', () => {
  it("computes AUC and accuracy for the manifest's positive label", async () => {
    const server = await startServer((req, res) => {
      const path = req.url.split('?')[0];
      if (path === '/v2/models/adult') {
        return sendJson(res, 200, {
          name: 'adult',
          inputs: [{ name: 'p', datatype: 'FP32' }],
          outputs: [
            { name: 'label', datatype: 'BYTES' },
            { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
          ],
        });
      }
      if (path === '/v1/models/adult/predict') {
        const p = (req.json as { instances: { p: number }[] }).instances[0]!.p;
        return sendJson(
          res,
          200,
          {
            model: 'adult',
            version: '1',
            request_id: 'x',
            predictions: [{ label: p > 0.5 ? '>50K' : '<=50K', probabilities: { '<=50K': 1 - p, '>50K': p } }],
          },
          { 'x-model-version': '1' },
        );
      }
      if (path === '/admin/models/adult/versions/1') {
        return sendJson(
          res,
          200,
          versionRecord({
            version: '1',
            manifest: { output: { labels: ['<=50K', '>50K'], positive_label: '>50K' } },
            offline_metrics: { primary: 'auc', higher_is_better: true, overall: { auc: 0.9, accuracy: 0.85 } },
          }),
        );
      }
      return vigilError(res, 404, 'not_found', 'no route');
    });
    try {
      const csv = csvFile('adult.csv', 'p,label\n0.9,>50K\n0.8,<=50K\n0.3,>50K\n0.1,<=50K\n');
      const io = captureIo();
      expect(await runReplay([csv, '--model', 'adult', '--label-column', 'label', '--json', ...fast, ...at(server)], io)).toBe(0);
      const summary = JSON.parse(io.out());
      expect(summary.quality).toMatchObject({
        task: 'binary_classification',
        positive_label: '>50K',
        versions: [{ version: '1', rows: 4, metrics: { auc: 0.75, accuracy: 0.5 } }],
      });
      expect(summary.quality.versions[0].offline_comparison[0]).toMatchObject({ metric: 'auc', offline: 0.9, direction: 'worse' });
    } finally {
      await server.close();
    }
  });
});
