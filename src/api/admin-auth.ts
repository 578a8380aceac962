/**
 * The admin token guard for /admin, reports and the dashboard: closed (503) when ADMIN_TOKEN is not
 * configured, 401 without the right bearer token (compared in constant time).
 */
import { createMiddleware } from 'hono/factory';
import { VigilError } from '../errors.ts';
import { bearerToken, timingSafeEqualString } from './auth.ts';
import type { AppEnv } from './context.ts';

export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const configured = c.env.ADMIN_TOKEN;
  if (!configured || configured.trim() === '') {
    throw new VigilError('admin_disabled', 503, 'admin routes are disabled: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`, or .dev.vars locally)');
  }
  const token = bearerToken(c.req.header('authorization'));
  if (token === undefined || !timingSafeEqualString(token, configured)) {
    throw new VigilError('unauthorized', 401, 'this route needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>"', [
      { field: 'authorization', code: 'unauthorized', message: 'missing or wrong admin token' },
    ]);
  }
  await next();
});
