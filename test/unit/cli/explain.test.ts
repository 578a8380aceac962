import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runExplain } from '../../../cli/commands/explain.ts';
import { at, captureIo, sendJson, startServer, vigilError, type TestServer } from './helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'vigil-explain-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const response = {
  model: 'adult-income',
  version: '1',
  method: 'linear',
  space: 'margin',
  outputs: ['>50K'],
  transform: 'LOGISTIC',
  reference: 'training statistics',
  background_rows: 1000,
  explanations: [
    {
      prediction: { label: '>50K', probabilities: { '<=50K': 0.3, '>50K': 0.7 } },
      explained: [0.847],
      base_value: [-1.5],
      contributions: { age: [0.4], education: [2.3], hours_per_week: [-0.353] },
    },
  ],
};

describe('vigil explain', () => {
  it('posts the instances with the API key, and prints each contribution, largest first', async () => {
    server = await startServer((req, res) =>
      req.url === '/v1/models/adult-income/explain' ? sendJson(res, 200, response) : vigilError(res, 404, 'not_found', 'no'),
    );
    const io = captureIo({ env: { VIGIL_API_KEY: 'predict-key-0123456789' } });
    const instance = { age: 39, education: 'Masters', hours_per_week: 20 };
    expect(await runExplain(['adult-income', '--instance', file('one.json', instance), ...at(server)], io)).toBe(0);
    expect(server.requests[0]).toMatchObject({ method: 'POST', json: { instances: [instance] } });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer predict-key-0123456789');
    const out = io.out();
    expect(out).toContain(
      'adult-income version 1: exact linear contributions in margin space (the served output is LOGISTIC of it); ' +
        'base value over the training statistics',
    );
    expect(out).toContain('instance 0: predicted >50K (probability 0.700)');
    expect(out).toContain('margin (>50K): 0.847 = base -1.500 + contributions');
    const lines = out.split('\n').filter((l) => /^\s{4}\S/.test(l) && !l.includes('feature'));
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['education', 'age', 'hours_per_week']);
    expect(out).toMatch(/education\s+Masters\s+\+2\.300/);
    expect(out).toMatch(/hours_per_week\s+20\s+−0\.353/);
  });

  it('pins a version, takes a list or {"instances": …}, and limits the rows with --top', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 200, { ...response, version: '2', explanations: [response.explanations[0], response.explanations[0]] }),
    );
    const io = captureIo();
    expect(
      await runExplain(
        [
          'adult-income',
          '--version',
          '2',
          '--top',
          '1',
          '--instance',
          file('two.json', { instances: [{ age: 1 }, { age: 2 }] }),
          ...at(server),
        ],
        io,
      ),
    ).toBe(0);
    expect(server.requests[0]!.url).toBe('/v1/models/adult-income/versions/2/explain');
    expect(server.requests[0]!.json).toEqual({ instances: [{ age: 1 }, { age: 2 }] });
    expect(io.out()).toContain('… 2 more features, together +0.047');
    expect(io.out()).toContain('instance 1:');
  });

  it("says a regression is explained in the served value's own units", async () => {
    const regression = {
      ...response,
      model: 'california-housing',
      outputs: ['value'],
      transform: 'none',
      explanations: [
        {
          prediction: { value: 409630 },
          explained: [409630],
          base_value: [207295],
          contributions: { median_income: [169812], longitude: [32523] },
        },
      ],
    };
    server = await startServer((_req, res) => sendJson(res, 200, regression));
    const io = captureIo();
    expect(await runExplain(['california-housing', '--instance', file('house.json', { median_income: 8.3 }), ...at(server)], io)).toBe(0);
    expect(io.out()).toContain(
      'california-housing version 1: exact linear contributions of the served value; base value over the training statistics',
    );
    expect(io.out()).toContain('instance 0: predicted 409630\n  value: 409630 = base 207295 + contributions');
  });

  it("catches a missing or malformed instance file before sending, and prints the server's refusal", async () => {
    server = await startServer((_req, res) => vigilError(res, 400, 'invalid_instance', 'instance 0: "age" must be a number'));
    const missing = captureIo();
    expect(await runExplain(['adult-income', ...at(server)], missing)).toBe(2);
    expect(missing.err()).toContain('--instance is required');
    const malformed = captureIo();
    expect(await runExplain(['adult-income', '--instance', file('bad.json', '[1, 2]'), ...at(server)], malformed)).toBe(2);
    expect(malformed.err()).toContain('must hold a JSON object of feature values');
    expect(server.requests).toHaveLength(0);
    const refused = captureIo();
    expect(await runExplain(['adult-income', '--instance', file('ok.json', { age: 'x' }), ...at(server)], refused)).toBe(1);
    expect(refused.err()).toBe('vigil: instance 0: "age" must be a number\n');
  });
});
