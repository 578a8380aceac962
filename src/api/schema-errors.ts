/**
 * Maps zod issues on a request body to the API's error details, naming each field by its path.
 */
import type { z } from 'zod';
import { InvalidRequestError, type ErrorDetail } from '../errors.ts';

export function detailsFromIssues(issues: readonly z.core.$ZodIssue[], root = 'body'): ErrorDetail[] {
  return issues.slice(0, 50).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : root,
    code: issue.code,
    message: issue.message,
  }));
}

/** Parses `body` with `schema` or throws a 400 whose message names the first bad field (`root` names the whole value). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, root = 'body'): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = detailsFromIssues(result.error.issues, root);
  const first = details[0]!;
  throw new InvalidRequestError(`${first.field}: ${first.message}`, details);
}
