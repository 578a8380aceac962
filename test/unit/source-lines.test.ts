/**
 * No line of the repository's source files is longer than 140 characters, the formatter's line width (biome.jsonc).
 * Biome wraps code but cannot break string literals, template literals or comments: those are split by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cli/lib/paths.ts';

const MAX_LINE_LENGTH = 140;

/** The tracked TypeScript and JavaScript sources, without generated files (`*.gen.*`). */
function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '*.ts', '*.tsx', '*.js', '*.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  // A tracked file deleted in the working tree is still listed until the deletion is staged.
  return listed.split('\n').filter((file) => file !== '' && !file.includes('.gen.') && existsSync(join(REPO_ROOT, file)));
}

describe('source files', () => {
  it(`have no line longer than ${MAX_LINE_LENGTH} characters`, () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(0);
    const long: string[] = [];
    for (const file of files) {
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // Characters, not UTF-16 code units: "→" and "µ" count one each, as do astral characters.
          const length = [...line].length;
          if (length > MAX_LINE_LENGTH) long.push(`${file}:${i + 1} (${length})`);
        });
    }
    expect(long).toEqual([]);
  });
});
