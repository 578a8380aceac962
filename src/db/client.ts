/**
 * The Drizzle client over the `DB` binding. Queries name their tables (src/db/schema.ts) with the SQL-like
 * builder; the relational query API (`db.query.…`) is not used, so the client is built without the schema: with
 * it, Drizzle works out every table's relations when the client is made, ~3 ms of each isolate's first request.
 */
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';

export type Database = DrizzleD1Database;

export function database(d1: D1Database): Database {
  return drizzle(d1);
}

/** Whether a D1 error is a UNIQUE / PRIMARY KEY constraint violation. */
export function isConstraintViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT/i.test(text);
}
