/**
 * Credentials (issue 11): feedback is never open — a label moves quality checks and can roll a canary back — and
 * a configured token shorter than 16 characters closes its routes rather than being accepted; dashboard sessions
 * are signed per sign-in and expire; failed sign-ins are throttled.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE, SESSION_LIFETIME_SECONDS, sessionValue, validSession } from '../../src/api/admin-auth.ts';
import { createApp } from '../../src/app.ts';
import type { Env } from '../../src/env.ts';
import { isolateServices } from '../../src/services.ts';
import { ADMIN_TOKEN, manifestOf } from './helpers.ts';

const workerEnv = env as unknown as Env;
const app = createApp(isolateServices);
const FEEDBACK_TOKEN = 'feedback-token-0123456789';
const PREDICT_TOKEN = 'predict-token-0123456789';
const feedback = { request_id: 'r-1', label: 12.5 };

async function post(path: string, body: unknown, bindings: Partial<Env>, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await app.request(path, { method: 'POST', headers, body: JSON.stringify(body) }, { ...workerEnv, ...bindings } as Env);
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

const postFeedback = (bindings: Partial<Env>, token?: string) => post('/v1/models/california-housing/feedback', feedback, bindings, token);

describe('POST /v1/models/{model}/feedback', () => {
  it('needs a token even when predictions are public', async () => {
    const res = await postFeedback({ PREDICT_TOKENS: undefined, FEEDBACK_TOKENS: undefined });
    expect(res.status).toBe(401);
    expect(res.body.error!.code).toBe('unauthorized');
  });

  it('takes one of FEEDBACK_TOKENS, or the admin token, and nothing else', async () => {
    const bindings = { FEEDBACK_TOKENS: `another-feedback-token-00, ${FEEDBACK_TOKEN}`, PREDICT_TOKENS: PREDICT_TOKEN };
    expect((await postFeedback(bindings, FEEDBACK_TOKEN)).status).toBe(200);
    expect((await postFeedback(bindings, ADMIN_TOKEN)).status).toBe(200);
    expect((await postFeedback(bindings, PREDICT_TOKEN)).status).toBe(401);
    expect((await postFeedback(bindings, `${FEEDBACK_TOKEN}x`)).status).toBe(401);
  });

  it('takes the predict tokens when no FEEDBACK_TOKENS are set', async () => {
    expect((await postFeedback({ PREDICT_TOKENS: PREDICT_TOKEN }, PREDICT_TOKEN)).status).toBe(200);
  });

  it('is closed (503), never open, when no token of any kind is configured', async () => {
    const res = await postFeedback({ ADMIN_TOKEN: undefined, PREDICT_TOKENS: undefined, FEEDBACK_TOKENS: undefined });
    expect(res.status).toBe(503);
    expect(res.body.error!.code).toBe('feedback_disabled');
  });
});

describe('tokens shorter than 16 characters', () => {
  it('close the admin API instead of opening it to a guessed token', async () => {
    const res = await app.request('/admin/models', { headers: { authorization: 'Bearer short-token' } }, {
      ...workerEnv,
      ADMIN_TOKEN: 'short-token',
    } as Env);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('admin_disabled');
    expect(body.error.message).toContain('shorter than 16 characters');
  });

  it('close prediction routes whose PREDICT_TOKENS are all too short', async () => {
    const instances = [manifestOf('california-housing', '1').golden[0]!.instance];
    const res = await post('/v1/models/california-housing/predict', { instances }, { PREDICT_TOKENS: 'k1,k2' }, 'k1');
    expect(res.status).toBe(503);
    expect(res.body.error!.code).toBe('auth_misconfigured');
    expect(
      (await post('/v1/models/california-housing/predict', { instances }, { PREDICT_TOKENS: `k1,${PREDICT_TOKEN}` }, PREDICT_TOKEN)).status,
    ).toBe(200);
  });

  it('close feedback whose only tokens are too short, unless the admin token is sent', async () => {
    expect((await postFeedback({ FEEDBACK_TOKENS: 'short' }, 'short')).status).toBe(401);
    expect((await postFeedback({ FEEDBACK_TOKENS: 'short', ADMIN_TOKEN: undefined }, 'short')).body.error!.code).toBe('auth_misconfigured');
  });
});

describe('dashboard sessions', () => {
  it('expire on the server, whatever the browser keeps', async () => {
    const old = await sessionValue(ADMIN_TOKEN, Date.now() - (SESSION_LIFETIME_SECONDS + 60) * 1000);
    expect(await validSession(ADMIN_TOKEN, old)).toBe(false);
    const res = await app.request('/', { headers: { cookie: `${SESSION_COOKIE}=${old}` } }, workerEnv);
    expect(res.status).toBe(401);
    const fresh = await sessionValue(ADMIN_TOKEN);
    expect((await app.request('/', { headers: { cookie: `${SESSION_COOKIE}=${fresh}` } }, workerEnv)).status).toBe(200);
  });

  it('are refused when tampered with', async () => {
    const value = await sessionValue(ADMIN_TOKEN);
    const [expires, nonce, mac] = value.split('.') as [string, string, string];
    const later = `${Number(expires) + 86_400}.${nonce}.${mac}`;
    expect(await validSession(ADMIN_TOKEN, later)).toBe(false);
    expect((await app.request('/', { headers: { cookie: `${SESSION_COOKIE}=${later}` } }, workerEnv)).status).toBe(401);
  });

  it('throttle failed sign-ins from one address: 429 with Retry-After after 10 failures, other addresses unaffected', async () => {
    const signIn = (token: string, ip: string) =>
      app.request(
        '/login',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip },
          body: `token=${encodeURIComponent(token)}`,
          redirect: 'manual',
        },
        workerEnv,
      );
    for (let i = 0; i < 10; i++) expect((await signIn('wrong-token-000000', '203.0.113.7')).status).toBe(401);
    const throttled = await signIn(ADMIN_TOKEN, '203.0.113.7');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.get('set-cookie')).toBeNull();
    expect((await signIn(ADMIN_TOKEN, '203.0.113.8')).status).toBe(303);
  });
});
