/**
 * Request ids: the caller's `x-request-id` when it sent a usable one, otherwise a new UUID. The id is echoed in
 * the `x-request-id` response header and joins feedback to predictions later.
 */
import type { Context } from 'hono';
import { InvalidRequestError } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** What a request id may be: it is echoed in a header and stored, so printable and bounded. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
/** The rule in words, for error messages. */
export const REQUEST_ID_RULE = '1-128 characters of letters, digits and ._:@/+=-';

/** Sets the request's id (variable and response header); an unusable `x-request-id` is a 400. */
export function assignRequestId(c: Context<AppEnv>): void {
  const sent = c.req.raw.headers.get('x-request-id');
  if (sent !== null && !REQUEST_ID_PATTERN.test(sent)) {
    const id = crypto.randomUUID();
    c.set('requestId', id);
    c.header('x-request-id', id);
    throw new InvalidRequestError(`x-request-id must be ${REQUEST_ID_RULE}`, [
      { field: 'x-request-id', code: 'invalid_request_id', message: REQUEST_ID_RULE },
    ]);
  }
  const id = sent ?? crypto.randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
}
