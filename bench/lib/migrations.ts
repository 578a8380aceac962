/**
 * drizzle-kit migration files as statements. Pure; unit-tested.
 */

/** The statements of a drizzle-kit migration file (split at `--> statement-breakpoint`). */
export function splitMigration(sql: string): string[] {
  return sql
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
