/**
 * Runs bench/chaos/load-generator.ts (autocannon with a request id per request) as a child process and returns
 * its result with the predictions it got answered: request id → version that served it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitSync, spawnNode, withTimeout } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load.ts';
import type { TaggedLoadConfig, TaggedLoadResult } from './load-generator.ts';

const GENERATOR = new URL('./load-generator.ts', import.meta.url).pathname;

export interface TaggedLoad extends TaggedLoadResult {
  /** Request id → the version that answered it (x-model-version), for every 2xx response. */
  answered: Map<string, string>;
}

/** Parses the generator's `id<TAB>version` lines. Pure. */
export function parseAnswered(text: string): Map<string, string> {
  const answered = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    answered.set(tab < 0 ? line : line.slice(0, tab), tab < 0 ? '' : line.slice(tab + 1));
  }
  return answered;
}

/** Drives `config` with request ids `<idPrefix>-1`, `<idPrefix>-2`, … */
export async function runTaggedLoad(config: LoadConfig, idPrefix: string): Promise<TaggedLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-load-'));
  const unregister = onExitSync(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const file = join(dir, 'config.json');
    const tagged: TaggedLoadConfig = { ...config, idPrefix, answeredFile: join(dir, 'answered.tsv') };
    writeFileSync(file, JSON.stringify(tagged));
    const generator = spawnNode(GENERATOR, [file]);
    let exited: Awaited<typeof generator.exited>;
    try {
      exited = await withTimeout(generator.exited, (config.durationSeconds + config.timeoutSeconds + 30) * 1000, `load ${idPrefix}`);
    } catch (error) {
      await generator.stop();
      throw error;
    }
    const line = exited.stdout.trim().split('\n').pop() ?? '';
    let result: TaggedLoadResult & { fatal?: string };
    try {
      result = JSON.parse(line) as TaggedLoadResult & { fatal?: string };
    } catch {
      throw new Error(`the load generator exited with ${exited.code} and no result:\n${exited.stderr.slice(-2000)}`);
    }
    if (result.fatal) throw new Error(`the load generator failed: ${result.fatal}`);
    return { ...result, answered: parseAnswered(readFileSync(tagged.answeredFile, 'utf8')) };
  } finally {
    unregister();
    rmSync(dir, { recursive: true, force: true });
  }
}
