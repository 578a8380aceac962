/**
 * Where a benchmark or chaos run's figures come from: the git commit (and how many files differed from it) and
 * the versions of the runtime and the packages that shape them. Written into every results file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GitInfo {
  commit: string | null;
  changedFiles: number | null;
}

/** HEAD and the number of changed files in `root`, or nulls outside a git checkout. */
export function gitInfo(root: string): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // --no-optional-locks: never take git's index lock while another git command may run in the checkout.
    const status = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain'], { cwd: root, encoding: 'utf8' });
    return { commit, changedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return { commit: null, changedFiles: null };
  }
}

/** Node's version and the installed versions of the packages the figures depend on ("missing" when absent). */
export function packageVersions(root: string): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const pkg of ['miniflare', 'wrangler', 'workerd', 'onnxruntime-web', 'autocannon', 'hono']) {
    try {
      out[pkg] = (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      out[pkg] = 'missing';
    }
  }
  return out;
}
