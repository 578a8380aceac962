import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { StageTiming } from '../../../bench/hot-path.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('bench/hot-path.ts (the micro phase)', () => {
  it('times every stage of the hot path over the bundled housing versions, none failing', { timeout: 120_000 }, async () => {
    const models = join(ROOT, 'models', 'california-housing');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bench', 'hot-path.ts'), join(models, '2'), join(models, '1'), '5'],
      { cwd: ROOT, timeout: 110_000 },
    );
    const { timings } = JSON.parse(stdout.trim().split('\n').pop()!) as { timings: StageTiming[] };
    expect(timings.length).toBeGreaterThan(10);
    expect(timings.filter((t) => t.error !== undefined || t.us === null)).toEqual([]);
    expect(timings.map((t) => t.stage)).toContain('route: deployment cache + canary/shadow draw');
  });
});
