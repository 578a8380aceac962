/**
 * Request ids: the caller's `x-request-id` when it sent a usable one, otherwise a new UUID. The id is echoed in
 * the `x-request-id` response header and joins feedback to predictions later.
 */
import type { Context } from 'hono';
import { InvalidRequestError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

/** Sets the request's id (variable and response header); an unusable `x-request-id` is a 400. */
export function assignRequestId(c: Context<AppEnv>): void {
  const sent = c.req.raw.headers.get('x-request-id');
  if (sent !== null && !REQUEST_ID_PATTERN.test(sent)) {
    const id = crypto.randomUUID();
    c.set('requestId', id);
    c.header('x-request-id', id);
    throw new InvalidRequestError('x-request-id must be 1-128 characters of letters, digits and ._:@/+=-', [
      { field: 'x-request-id', code: 'invalid_request_id', message: '1-128 characters of letters, digits and ._:@/+=-' },
    ]);
  }
  const id = sent ?? crypto.randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
}
