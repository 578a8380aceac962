import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitMigration } from '../../../bench/lib/migrations.ts';

describe('splitMigration', () => {
  it('splits drizzle-kit files at statement breakpoints and drops empty parts', () => {
    expect(splitMigration('CREATE TABLE a (x);\n--> statement-breakpoint\nCREATE INDEX i ON a (x);--> statement-breakpoint\n')).toEqual([
      'CREATE TABLE a (x);',
      'CREATE INDEX i ON a (x);',
    ]);
  });

  it('yields one statement per CREATE in the project’s migrations', () => {
    const dir = new URL('../../../migrations/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
      const sql = readFileSync(new URL(file, dir), 'utf8');
      const statements = splitMigration(sql);
      expect(statements.length).toBe((sql.match(/\bCREATE\b/g) ?? []).length);
    }
  });
});
