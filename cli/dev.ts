/**
 * `vigil dev` (what `npm start` runs): prepares local state and serves the Worker with `wrangler dev` on
 * http://localhost:8787.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runModelsIndex } from './models-index.ts';
import { REPO_ROOT } from './lib/paths.ts';

export async function runDev(args: string[]): Promise<number> {
  const indexed = await runModelsIndex([]);
  if (indexed !== 0) return indexed;
  const wrangler = join(REPO_ROOT, 'node_modules', '.bin', 'wrangler');
  // Local development needs no network: skip wrangler's usage metrics and its download of a sample `request.cf`.
  const env = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env };
  const child = spawn(wrangler, ['dev', ...args], { cwd: REPO_ROOT, stdio: 'inherit', env });
  return new Promise((resolve) => {
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code) => resolve(code ?? 0));
  });
}
