import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { adminHeaders, postJson, type ApiError } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;

interface Outcome {
  accepted: number;
  matched: number;
  unknown: { request_id: string; instance: number }[];
  duplicates: { request_id: string; instance: number }[];
}

async function logSample(model: string, requestId: string, instance = 0): Promise<void> {
  await d1
    .prepare(
      'INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label, ' +
        "latency_ms, slices, created_at) VALUES (?, ?, ?, 1, 'primary', '{}', '{}', 0.5, NULL, 1, '{}', ?)",
    )
    .bind(requestId, instance, model, Date.now())
    .run();
}

async function feedback(model: string, body: unknown): Promise<{ status: number; body: Outcome & ApiError }> {
  const res = await postJson(`/v1/models/${model}/feedback`, body, adminHeaders);
  return { status: res.status, body: (await res.json()) as Outcome & ApiError };
}

async function storedLabel(model: string, requestId: string, instance = 0): Promise<string | null> {
  const row = await d1
    .prepare('SELECT label FROM feedback WHERE model = ? AND request_id = ? AND instance = ?')
    .bind(model, requestId, instance)
    .first<{ label: string }>();
  return row?.label ?? null;
}

describe('POST /v1/models/{model}/feedback', () => {
  it('accepts a single label for a logged prediction', async () => {
    await logSample('california-housing', 'fb-single');
    const { status, body } = await feedback('california-housing', { request_id: 'fb-single', label: 123_000 });
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 1, matched: 1, unknown: [], duplicates: [] });
    expect(await storedLabel('california-housing', 'fb-single')).toBe('123000');
  });

  it('accepts a batch, reporting the ids with no logged prediction back instead of dropping them', async () => {
    await logSample('california-housing', 'fb-batch');
    const { status, body } = await feedback('california-housing', {
      items: [
        { request_id: 'fb-batch', label: 1.5 },
        { request_id: 'fb-never-seen', label: 2 },
        { request_id: 'fb-batch', instance: 1, label: 3 },
      ],
    });
    expect(status).toBe(200);
    expect(body.accepted).toBe(3);
    expect(body.matched).toBe(1);
    expect(body.unknown).toEqual([
      { request_id: 'fb-never-seen', instance: 0 },
      { request_id: 'fb-batch', instance: 1 },
    ]);
    expect(body.duplicates).toEqual([]);
    // Kept, so a prediction logged a little later still joins.
    expect(await storedLabel('california-housing', 'fb-never-seen')).toBe('2');
  });

  it('keeps the first label of an instance and reports later ones as duplicates', async () => {
    await logSample('adult-income', 'fb-dup');
    expect((await feedback('adult-income', { request_id: 'fb-dup', label: '>50K' })).body).toMatchObject({ accepted: 1, duplicates: [] });
    const again = await feedback('adult-income', { request_id: 'fb-dup', label: '<=50K' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ accepted: 0, matched: 1, unknown: [], duplicates: [{ request_id: 'fb-dup', instance: 0 }] });
    expect(await storedLabel('adult-income', 'fb-dup')).toBe('>50K');
  });

  it('keeps the first label when one batch repeats an instance', async () => {
    await logSample('adult-income', 'fb-dup-batch');
    const { status, body } = await feedback('adult-income', {
      items: [
        { request_id: 'fb-dup-batch', label: '<=50K' },
        { request_id: 'fb-dup-batch', label: '>50K' },
      ],
    });
    expect(status).toBe(200);
    expect(body.accepted).toBe(1);
    expect(body.duplicates).toEqual([{ request_id: 'fb-dup-batch', instance: 0 }]);
    expect(await storedLabel('adult-income', 'fb-dup-batch')).toBe('<=50K');
  });

  it('rejects labels that are not a class of the model, or not a number for a regression, naming each item', async () => {
    const classifier = await feedback('adult-income', {
      items: [
        { request_id: 'fb-bad-1', label: '>50K' },
        { request_id: 'fb-bad-2', label: 'rich' },
        { request_id: 'fb-bad-3', label: 1 },
      ],
    });
    expect(classifier.status).toBe(400);
    expect(classifier.body.error.details.map((d) => d.field)).toEqual(['items.1.label', 'items.2.label']);
    expect(classifier.body.error.message).toContain('<=50K');
    expect(await storedLabel('adult-income', 'fb-bad-1')).toBeNull();

    const regression = await feedback('california-housing', { request_id: 'fb-bad-4', label: 'expensive' });
    expect(regression.status).toBe(400);
    expect(regression.body.error.details.map((d) => d.field)).toEqual(['items.0.label']);
    expect(await storedLabel('california-housing', 'fb-bad-4')).toBeNull();
  });

  it('rejects more than 1000 items', async () => {
    const items = Array.from({ length: 1001 }, (_, i) => ({ request_id: `fb-many-${i}`, label: i }));
    const { status } = await feedback('california-housing', { items });
    expect(status).toBe(400);
    expect(await storedLabel('california-housing', 'fb-many-0')).toBeNull();
  });

  it('stores 1000 items, all reported unknown when none was logged', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ request_id: `fb-thousand-${i}`, label: i }));
    const { status, body } = await feedback('california-housing', { items });
    expect(status).toBe(200);
    expect(body.accepted).toBe(1000);
    expect(body.unknown).toHaveLength(1000);
  });

  it('answers 404 for an unknown model', async () => {
    const { status, body } = await feedback('no-such-model', { request_id: 'fb-x', label: 1 });
    expect(status).toBe(404);
    expect(body.error.code).toBe('model_not_found');
  });
});
