/**
 * Request ids: the caller's `x-request-id` when it sent a usable one, otherwise a new UUID. The id is echoed in
 * the `x-request-id` response header and joins feedback to predictions later.
 */
import { createMiddleware } from 'hono/factory';
import { InvalidRequestError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const sent = c.req.header('x-request-id');
  if (sent !== undefined && !REQUEST_ID_PATTERN.test(sent)) {
    c.set('requestId', crypto.randomUUID());
    throw new InvalidRequestError('x-request-id must be 1-128 characters of letters, digits and ._:@/+=-', [
      { field: 'x-request-id', code: 'invalid_request_id', message: '1-128 characters of letters, digits and ._:@/+=-' },
    ]);
  }
  const id = sent ?? crypto.randomUUID();
  c.set('requestId', id);
  await next();
  c.header('x-request-id', id);
});
