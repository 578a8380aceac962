/**
 * GET /v1/models/{model}/reports/score through the Worker, and the parameter and auth errors every report
 * route shares.
 */
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminHeaders, adminJson, fetchWorker, type ApiError } from './helpers.ts';

const d1 = (env as unknown as { DB: D1Database }).DB;
const KINDS = ['shadow', 'canary', 'drift', 'quality', 'score'] as const;

interface ScoreCardJson {
  report: string;
  model: string;
  version: string;
  stage: string;
  sections: {
    id: string;
    name: string;
    score: number;
    tests: { id: string; title: string; mark: string; points: number; evidence: string; blocks_promotion: boolean }[];
  }[];
  final_score: number;
  blocking: { id: string }[];
  promotion_blocked: boolean;
  generated_at: string;
}

async function scoreCard(model: string): Promise<ScoreCardJson> {
  const res = await fetchWorker(`/v1/models/${model}/reports/score`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return (await res.json()) as ScoreCardJson;
}

const testOf = (card: ScoreCardJson, id: string) => card.sections.flatMap((s) => s.tests).find((t) => t.id === id)!;

beforeEach(async () => {
  await d1.prepare('DELETE FROM health_checks').run();
});

describe('GET /v1/models/{model}/reports/score', () => {
  it('lists the 28 tests of the four sections with marks and evidence, and the final score as the minimum section score', async () => {
    const card = await scoreCard('california-housing');
    expect(card).toMatchObject({ report: 'score', model: 'california-housing', version: '1', stage: 'production' });
    expect(card.sections.map((s) => [s.id, s.tests.length])).toEqual([
      ['data', 7],
      ['model', 7],
      ['infra', 7],
      ['monitor', 7],
    ]);
    const tests = card.sections.flatMap((s) => s.tests);
    expect(tests).toHaveLength(28);
    expect(new Set(tests.map((t) => t.id)).size).toBe(28);
    const points: Record<string, number> = { automated_pass: 1, automated_fail: 1, declared: 0.5, missing: 0 };
    for (const t of tests) {
      expect(t.title.length).toBeGreaterThan(0);
      expect(typeof t.evidence).toBe('string');
      expect(t.evidence.length).toBeGreaterThan(10);
      expect(t.points).toBe(points[t.mark]);
    }
    for (const s of card.sections) expect(s.score).toBe(s.tests.reduce((a, t) => a + points[t.mark]!, 0));
    expect(card.final_score).toBe(Math.min(...card.sections.map((s) => s.score)));
    // The bundled primary: bootstrapped (not canaried), QA passed, no checks run yet, no alert webhook.
    expect(testOf(card, 'infra_4').mark).toBe('automated_pass');
    expect(testOf(card, 'infra_6').mark).toBe('missing');
    expect(testOf(card, 'monitor_1').mark).toBe('missing');
    expect(testOf(card, 'monitor_1').evidence).toMatch(/ALERT_WEBHOOK_URL/);
    expect(card.blocking.map((b) => b.id)).toEqual(tests.filter((t) => t.blocks_promotion).map((t) => t.id));
    expect(card.promotion_blocked).toBe(card.blocking.length > 0);
    expect(Number.isNaN(Date.parse(card.generated_at))).toBe(false);
  });

  it('marks tests from the latest health-check results of the model', async () => {
    const check = d1.prepare(
      'INSERT INTO health_checks (model, version, "check", subject, status, value, threshold, window, details, created_at) ' +
        "VALUES ('california-housing', 1, ?, ?, ?, 0.01, 0.25, '60m', '{}', ?)",
    );
    const now = Date.now();
    await d1.batch([
      check.bind('skew', 'median_income', 'fail', now - 120_000),
      // The latest skew result of the subject is the one that counts.
      check.bind('skew', 'median_income', 'pass', now - 60_000),
      check.bind('staleness', '', 'fail', now - 60_000),
    ]);
    const card = await scoreCard('california-housing');
    expect(testOf(card, 'monitor_3').mark).toBe('automated_pass');
    expect(testOf(card, 'monitor_4').mark).toBe('automated_fail');
    expect(testOf(card, 'monitor_4').evidence).toMatch(/staleness check failing/);
  });

  it('marks infra_6 passed for a version promoted after running as a canary', async () => {
    const model = 'adult-income';
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'canary', version: '2', percent: 10 })).status).toBe(200);
    expect((await adminJson('POST', `/models/${model}/deployment`, { action: 'promote', version: '2' })).status).toBe(200);
    const card = await scoreCard(model);
    expect(card.version).toBe('2');
    expect(testOf(card, 'infra_6').mark).toBe('automated_pass');
    // gbdt against the registered logistic version 1, whose offline AUC is lower.
    expect(testOf(card, 'model_5').mark).toBe('automated_pass');
  });
});

describe('report route parameters and auth', () => {
  it('rejects a malformed window with 400 on every report', async () => {
    for (const kind of KINDS) {
      for (const window of ['5x', '0h', '', '1.5h']) {
        const res = await fetchWorker(`/v1/models/california-housing/reports/${kind}?window=${encodeURIComponent(window)}`, {
          headers: adminHeaders,
        });
        expect(res.status, `${kind} window=${window}`).toBe(400);
        expect(((await res.json()) as ApiError).error.details[0]!.field).toMatch(/window/);
      }
    }
  });

  it('rejects unknown query parameters and an unknown report kind with 400', async () => {
    expect((await fetchWorker('/v1/models/california-housing/reports/score?windw=1h', { headers: adminHeaders })).status).toBe(400);
    expect((await fetchWorker('/v1/models/california-housing/reports/latency', { headers: adminHeaders })).status).toBe(400);
  });

  it('accepts minutes, hours and days', async () => {
    for (const window of ['30m', '6h', '7d']) {
      const res = await fetchWorker(`/v1/models/california-housing/reports/quality?window=${window}`, { headers: adminHeaders });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { window: { label: string } }).window.label).toBe(window);
    }
  });

  it('answers 404 for an unknown model', async () => {
    for (const kind of KINDS) {
      const res = await fetchWorker(`/v1/models/no-such-model/reports/${kind}`, { headers: adminHeaders });
      expect(res.status).toBe(404);
    }
  });

  it('answers 401 without the admin token or with a wrong one', async () => {
    for (const kind of KINDS) {
      expect((await fetchWorker(`/v1/models/california-housing/reports/${kind}`)).status).toBe(401);
      expect(
        (await fetchWorker(`/v1/models/california-housing/reports/${kind}`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
    }
  });
});
