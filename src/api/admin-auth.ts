/**
 * The admin token guard for /admin, reports and the dashboard: closed (503) when ADMIN_TOKEN is not configured
 * or shorter than 16 characters, 401 without the right bearer token (compared in constant time). The dashboard
 * also accepts its session cookie: a signed, expiring session of its own for each sign-in (never the token, and
 * never the same value twice), which ends at its expiry or when the token changes.
 */
import { createMiddleware } from 'hono/factory';
import { AdminDisabledError, UnauthorizedError } from '../errors.ts';
import { adminToken, bearerToken, MIN_TOKEN_LENGTH, timingSafeEqualString } from './auth.ts';
import type { AppEnv } from './context.ts';

export const SESSION_COOKIE = 'vigil_session';
/** How long a dashboard session lasts, checked by the server (the cookie's Max-Age only asks the browser). */
export const SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sessionMac(token: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(`vigil-dashboard-session:${payload}`)));
}

/**
 * A new dashboard session for `token`: `<expiry seconds>.<random nonce>.<HMAC-SHA256 of both, keyed by the token>`.
 *
 * @example
 * setCookie(c, SESSION_COOKIE, await sessionValue(token, Date.now()));
 */
export async function sessionValue(token: string, nowMs = Date.now()): Promise<string> {
  const payload = `${Math.floor(nowMs / 1000) + SESSION_LIFETIME_SECONDS}.${hex(crypto.getRandomValues(new Uint8Array(16)))}`;
  return `${payload}.${await sessionMac(token, payload)}`;
}

/** Whether `value` is a session this token signed that has not expired. */
export async function validSession(token: string, value: string, nowMs = Date.now()): Promise<boolean> {
  const match = /^(\d{1,12})\.([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(value);
  if (!match) return false;
  const [, expires, nonce, mac] = match as unknown as [string, string, string, string];
  const signed = timingSafeEqualString(mac, await sessionMac(token, `${expires}.${nonce}`));
  return signed && Number(expires) * 1000 > nowMs;
}

export type AdminCredential = 'disabled' | 'none' | 'invalid' | 'ok';

/** How the request stands against ADMIN_TOKEN: by bearer token, or (when `cookie` is given) the session cookie. */
export async function adminCredential(
  configured: string | undefined,
  authorization: string | undefined,
  cookie?: string,
  nowMs = Date.now(),
): Promise<AdminCredential> {
  const token = adminToken(configured);
  if (token === undefined) return 'disabled';
  const given = bearerToken(authorization);
  if (given !== undefined) return timingSafeEqualString(given, token) ? 'ok' : 'invalid';
  if (cookie !== undefined) return (await validSession(token, cookie, nowMs)) ? 'ok' : 'invalid';
  return 'none';
}

export const ADMIN_DISABLED_MESSAGE =
  'admin routes are disabled: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`, or .dev.vars locally)';

/** Why admin routes are closed: no token, or one too short to be safe. */
export function adminDisabledMessage(configured: string | undefined): string {
  const set = (configured ?? '').trim() !== '';
  return set
    ? `admin routes are disabled: ADMIN_TOKEN is shorter than ${MIN_TOKEN_LENGTH} characters; set a longer one ` +
        `(\`wrangler secret put ADMIN_TOKEN\`, or .dev.vars locally)`
    : ADMIN_DISABLED_MESSAGE;
}

export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const credential = await adminCredential(c.env.ADMIN_TOKEN, c.req.header('authorization'));
  if (credential === 'disabled') throw new AdminDisabledError(adminDisabledMessage(c.env.ADMIN_TOKEN));
  if (credential !== 'ok') {
    throw new UnauthorizedError('this route needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>"', [
      { field: 'authorization', code: 'unauthorized', message: 'missing or wrong admin token' },
    ]);
  }
  await next();
});

/** The dashboard's guard: bearer token or session cookie. */
export async function dashboardCredential(
  c: { env: AppEnv['Bindings']; req: { header(name: string): string | undefined } },
  cookie: string | undefined,
): Promise<AdminCredential> {
  return adminCredential(c.env.ADMIN_TOKEN, c.req.header('authorization'), cookie);
}
