/**
 * OIP V2 requested outputs are checked before the model runs: a request naming an output the model does not
 * have is a 400 that leaves no trace in telemetry (no sample, no profile), like any other rejected request.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { adminJson, manifestOf, postJson } from './helpers.ts';

const db = (env as unknown as { DB: D1Database }).DB;
const adult = manifestOf('adult-income', '1');
const instance = adult.golden[0]!.instance;
const inputs = adult.features.map((f) => ({
  name: f.name,
  datatype: f.type === 'category' ? 'BYTES' : 'INT64',
  shape: [1],
  data: [instance[f.name] ?? null],
}));

async function samplesOf(requestId: string): Promise<number> {
  const row = await db.prepare('SELECT count(*) AS n FROM prediction_samples WHERE request_id = ?').bind(requestId).first<{ n: number }>();
  return row?.n ?? 0;
}

describe('POST /v2/models/{model}/infer with requested outputs', () => {
  it('refuses an unknown output before predicting: 400 naming it, and nothing logged for the request', async () => {
    expect(
      (await adminJson('POST', '/models/adult-income/deployment', { action: 'sampling', sample_rate: 1, reason: 'log every prediction' }))
        .status,
    ).toBe(200);

    const bad = await postJson(
      '/v2/models/adult-income/infer',
      { inputs, outputs: [{ name: 'logits' }] },
      { 'x-request-id': 'v2-unknown-output' },
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-model-version')).toBeNull();
    expect(((await bad.json()) as { error: string }).error).toContain('logits');

    // A good request after it: once its sample is in D1, the bad one's would be too, had it been logged.
    const good = await postJson(
      '/v2/models/adult-income/infer',
      { inputs, outputs: [{ name: 'label' }] },
      { 'x-request-id': 'v2-known-output' },
    );
    expect(good.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await samplesOf('v2-known-output')) === 0) await new Promise((r) => setTimeout(r, 100));
    expect(await samplesOf('v2-known-output')).toBe(1);
    expect(await samplesOf('v2-unknown-output')).toBe(0);
  });
});
