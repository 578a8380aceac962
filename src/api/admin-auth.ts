/**
 * The admin token guard for /admin, reports and the dashboard: closed (503) when ADMIN_TOKEN is not
 * configured, 401 without the right bearer token (compared in constant time). The dashboard also accepts its
 * session cookie, which holds an HMAC of the token (never the token itself), so rotating the token ends every
 * session.
 */
import { createMiddleware } from 'hono/factory';
import { VigilError } from '../errors.ts';
import { bearerToken, timingSafeEqualString } from './auth.ts';
import type { AppEnv } from './context.ts';

export const SESSION_COOKIE = 'vigil_session';

const encoder = new TextEncoder();

/** The dashboard session cookie value for `token`: HMAC-SHA256(token, "vigil-dashboard-session"), hex. */
export async function sessionValue(token: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode('vigil-dashboard-session'));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export type AdminCredential = 'disabled' | 'none' | 'invalid' | 'ok';

/** How the request stands against ADMIN_TOKEN: by bearer token, or (when `cookie` is given) the session cookie. */
export async function adminCredential(configured: string | undefined, authorization: string | undefined, cookie?: string): Promise<AdminCredential> {
  if (!configured || configured.trim() === '') return 'disabled';
  const token = bearerToken(authorization);
  if (token !== undefined) return timingSafeEqualString(token, configured) ? 'ok' : 'invalid';
  if (cookie !== undefined) return timingSafeEqualString(cookie, await sessionValue(configured)) ? 'ok' : 'invalid';
  return 'none';
}

export const ADMIN_DISABLED_MESSAGE = 'admin routes are disabled: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`, or .dev.vars locally)';

export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const credential = await adminCredential(c.env.ADMIN_TOKEN, c.req.header('authorization'));
  if (credential === 'disabled') throw new VigilError('admin_disabled', 503, ADMIN_DISABLED_MESSAGE);
  if (credential !== 'ok') {
    throw new VigilError('unauthorized', 401, 'this route needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>"', [
      { field: 'authorization', code: 'unauthorized', message: 'missing or wrong admin token' },
    ]);
  }
  await next();
});

/** The dashboard's guard: bearer token or session cookie. */
export async function dashboardCredential(c: { env: AppEnv['Bindings']; req: { header(name: string): string | undefined } }, cookie: string | undefined): Promise<AdminCredential> {
  return adminCredential(c.env.ADMIN_TOKEN, c.req.header('authorization'), cookie);
}

