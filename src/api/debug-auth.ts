/**
 * Prediction routes with `?debug=true`: the response then carries the debug trace (validated instance, encoded
 * tensors, raw outputs, engine), which is for operators only, so the request must carry the admin token instead
 * of an API key. Without the parameter the route's own guard (`predictAuth`) applies.
 */
import { createMiddleware } from 'hono/factory';
import { InvalidRequestError } from '../errors.ts';
import { adminAuth } from './admin-auth.ts';
import { predictAuth } from './auth.ts';
import type { AppEnv } from './context.ts';

function debugFlag(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new InvalidRequestError(`debug must be "true" or "false", not "${value.slice(0, 40)}"`, [
    { field: 'debug', code: 'invalid', message: 'use ?debug=true (admin token required) or leave it out' },
  ]);
}

export const predictOrDebugAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (!debugFlag(c.req.query('debug'))) return predictAuth(c, next);
  c.set('debug', true);
  return adminAuth(c, next);
});
