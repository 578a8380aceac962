/**
 * Bearer-token checks. Tokens are compared in constant time so response timing does not reveal them, and a
 * configured token shorter than 16 characters is never accepted (it could be guessed): a route whose only
 * tokens are too short is closed, not open.
 */
import { createMiddleware } from 'hono/factory';
import { AuthMisconfiguredError, FeedbackDisabledError, UnauthorizedError, type VigilError } from '../errors.ts';
import type { Env } from '../env.ts';
import type { AppEnv } from './context.ts';

const encoder = new TextEncoder();

/** Shortest token Vigil accepts from its configuration. */
export const MIN_TOKEN_LENGTH = 16;

/** Constant-time equality of two strings (time depends only on the length of `expected`). */
export function timingSafeEqualString(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!;
  return diff === 0;
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim();
}

/**
 * A comma-separated token setting: `unset` when empty, else the tokens long enough to use (and whether some
 * were too short, to say so).
 */
export type TokenSetting = { state: 'unset' } | { state: 'set'; tokens: string[]; tooShort: number };

export function tokenSetting(value: string | undefined): TokenSetting {
  const entries = (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (entries.length === 0) return { state: 'unset' };
  const tokens = entries.filter((t) => t.length >= MIN_TOKEN_LENGTH);
  return { state: 'set', tokens, tooShort: entries.length - tokens.length };
}

/** A secret setting when it can be used: set, and long enough that it cannot be guessed. */
export function usableSecret(configured: string | undefined): string | undefined {
  const token = (configured ?? '').trim();
  return token.length >= MIN_TOKEN_LENGTH ? token : undefined;
}

/** ADMIN_TOKEN when it can be used. */
export const adminToken = usableSecret;

function matches(token: string, tokens: readonly string[]): boolean {
  let ok = false;
  for (const t of tokens) if (timingSafeEqualString(token, t)) ok = true;
  return ok;
}

function unauthorized(message: string): VigilError {
  return new UnauthorizedError(message, [
    { field: 'authorization', code: 'unauthorized', message: 'send "Authorization: Bearer <token>"' },
  ]);
}

function misconfigured(name: string): VigilError {
  return new AuthMisconfiguredError(
    `${name} holds no token of at least ${MIN_TOKEN_LENGTH} characters, so this route is closed; set longer tokens`,
  );
}

/** Prediction routes: open unless PREDICT_TOKENS lists API keys, then one of them is required. */
export const predictAuth = createMiddleware<AppEnv>(async (c, next) => {
  const setting = tokenSetting(c.env.PREDICT_TOKENS);
  if (setting.state === 'set') {
    if (setting.tokens.length === 0) throw misconfigured('PREDICT_TOKENS');
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('this Vigil requires an API key for predictions: send "Authorization: Bearer <key>"');
    if (!matches(token, setting.tokens)) throw unauthorized('the API key is not valid');
  }
  await next();
});

/**
 * The tokens that may post feedback: FEEDBACK_TOKENS, else PREDICT_TOKENS, and always the admin token. A label
 * moves quality checks and can roll a canary back, so feedback is never open: with none of them configured it
 * answers 503.
 */
export function feedbackTokens(env: Pick<Env, 'FEEDBACK_TOKENS' | 'PREDICT_TOKENS' | 'ADMIN_TOKEN'>): {
  tokens: string[];
  source: string | null;
} {
  const own = tokenSetting(env.FEEDBACK_TOKENS);
  const predict = tokenSetting(env.PREDICT_TOKENS);
  const chosen =
    own.state === 'set'
      ? { setting: own, source: 'FEEDBACK_TOKENS' }
      : predict.state === 'set'
        ? { setting: predict, source: 'PREDICT_TOKENS' }
        : null;
  const admin = adminToken(env.ADMIN_TOKEN);
  const tokens = [...(chosen?.setting.state === 'set' ? chosen.setting.tokens : []), ...(admin !== undefined ? [admin] : [])];
  return { tokens, source: chosen?.source ?? null };
}

export const feedbackAuth = createMiddleware<AppEnv>(async (c, next) => {
  const { tokens, source } = feedbackTokens(c.env);
  if (tokens.length === 0) {
    if (source) throw misconfigured(source);
    throw new FeedbackDisabledError(
      'feedback needs a credential and none is configured: set FEEDBACK_TOKENS (or PREDICT_TOKENS, or ADMIN_TOKEN)',
    );
  }
  const token = bearerToken(c.req.header('authorization'));
  if (!token)
    throw unauthorized(
      `feedback needs a token: send "Authorization: Bearer <one of ${source ?? 'ADMIN_TOKEN'}${source ? ' or the admin token' : ''}>"`,
    );
  if (!matches(token, tokens)) throw unauthorized('the feedback token is not valid');
  await next();
});
