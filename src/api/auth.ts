/**
 * Bearer-token checks. Tokens are compared in constant time so response timing does not reveal them.
 */
import { createMiddleware } from 'hono/factory';
import { VigilError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const encoder = new TextEncoder();

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

function unauthorized(message: string): VigilError {
  return new VigilError('unauthorized', 401, message, [{ field: 'authorization', code: 'unauthorized', message: 'send "Authorization: Bearer <token>"' }]);
}

/** Prediction routes: open unless PREDICT_TOKENS lists API keys, then one of them is required. */
export const predictAuth = createMiddleware<AppEnv>(async (c, next) => {
  const configured = c.env.PREDICT_TOKENS;
  if (configured && configured.trim() !== '') {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('this Vigil requires an API key for predictions: send "Authorization: Bearer <key>"');
    let ok = false;
    for (const key of configured.split(',')) {
      const trimmed = key.trim();
      if (trimmed !== '' && timingSafeEqualString(token, trimmed)) ok = true;
    }
    if (!ok) throw unauthorized('the API key is not valid');
  }
  await next();
});
