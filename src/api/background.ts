/**
 * The request's waitUntil, as a function; outside a Workers request (tests calling app.request) work still
 * runs, it just is not awaited.
 */
import type { Context } from 'hono';
import type { Background } from '../serving/observer.ts';

export function backgroundOf(c: Context): Background {
  try {
    const ctx = c.executionCtx;
    return (task) => ctx.waitUntil(task);
  } catch {
    return (task) => void task.catch(() => undefined);
  }
}
