/**
 * `vigil dev` (what `npm start` runs): prepares local state — the bundled-model index, `.dev.vars` from
 * `.dev.vars.example` when missing, D1 migrations on the local database — then serves the Worker with
 * `wrangler dev` on http://localhost:8787.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runModelsIndex } from './models-index.ts';
import { REPO_ROOT } from './lib/paths.ts';

// Local development needs no network: skip wrangler's usage metrics and its download of a sample `request.cf`.
const LOCAL_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env };

function run(command: string, args: string[], env: NodeJS.ProcessEnv = LOCAL_ENV): Promise<number> {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env });
  return new Promise((resolve) => {
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 0);
    });
  });
}

export async function runDev(args: string[]): Promise<number> {
  const indexed = await runModelsIndex([]);
  if (indexed !== 0) return indexed;

  const devVars = join(REPO_ROOT, '.dev.vars');
  if (!existsSync(devVars)) {
    copyFileSync(join(REPO_ROOT, '.dev.vars.example'), devVars);
    console.log('vigil: created .dev.vars from .dev.vars.example (local ADMIN_TOKEN); edit it to change local secrets');
  }

  const wrangler = join(REPO_ROOT, 'node_modules', '.bin', 'wrangler');
  // CI=true: apply without wrangler's interactive "continue?" prompt (the local database is ours alone).
  const migrated = await run(wrangler, ['d1', 'migrations', 'apply', 'vigil', '--local'], { ...LOCAL_ENV, CI: 'true' });
  if (migrated !== 0) {
    console.error('vigil: applying the D1 migrations to the local database failed (see above)');
    return migrated;
  }
  return run(wrangler, ['dev', ...args]);
}
