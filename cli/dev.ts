/**
 * `vigil dev` (what `npm start` runs): prepares local state — the bundled-model index, `.dev.vars` from
 * `.dev.vars.example` when missing, D1 migrations on the local database — then serves the Worker with
 * `wrangler dev` on http://localhost:8787, firing the health-check cron every five minutes (wrangler dev
 * does not run cron triggers by itself), and runs the telemetry Worker (wrangler.telemetry.toml) in a second
 * `wrangler dev` process on the next port: its own workerd, so D1 writes never share a thread with serving. The
 * two find each other through wrangler's dev registry (the queue) and share the local D1 files; serving starts
 * once the telemetry Worker is registered, since locally a message with no consumer registered is dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TELEMETRY_QUEUE, waitForQueueConsumer } from './lib/dev-registry.ts';
import { runModelsIndex } from './models-index.ts';
import { REPO_ROOT } from './lib/paths.ts';

// Local development needs no network: skip wrangler's usage metrics and its download of a sample `request.cf`.
const LOCAL_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env };

function start(command: string, args: string[], env: NodeJS.ProcessEnv = LOCAL_ENV): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env });
  const exited = new Promise<number>((resolve) => {
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 0);
    });
  });
  return { child, exited };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = LOCAL_ENV): Promise<number> {
  return start(command, args, env).exited;
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
  // wrangler dev does not fire cron triggers; fire the health-check cron every five minutes as production does.
  const port = portOf(args);
  const timer = setInterval(() => {
    fetch(`http://localhost:${port}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(HEALTH_CRON)}`).catch(() => undefined);
  }, 5 * 60_000);
  timer.unref();
  // The telemetry Worker first, quietly: it only consumes the queue the serving Worker produces to. Both meet in
  // a dev registry of this checkout's own, so another checkout's `npm start` never takes its telemetry.
  const registryPath = join(REPO_ROOT, '.wrangler', 'registry');
  const env = { ...LOCAL_ENV, WRANGLER_REGISTRY_PATH: registryPath };
  // An entry left by a run that was killed would look like a registered consumer: start from none.
  rmSync(registryPath, { recursive: true, force: true });
  const telemetry = start(
    wrangler,
    [
      'dev',
      '--config',
      'wrangler.telemetry.toml',
      '--port',
      String(port + 1),
      '--log-level',
      'warn',
      '--show-interactive-dev-session=false',
    ],
    env,
  );
  // Serving starts once the telemetry Worker is registered: locally, telemetry sent before then would be dropped.
  // (Starting one after the other also keeps the two from picking the same internal port.)
  try {
    await waitForQueueConsumer({
      registryPath,
      queue: TELEMETRY_QUEUE,
      timeoutMs: 120_000,
      abandoned: () => (telemetry.child.exitCode === null ? undefined : `the telemetry Worker exited (${telemetry.child.exitCode})`),
    });
  } catch (error) {
    console.error(`vigil: ${(error as Error).message}; stopping`);
    if (telemetry.child.exitCode === null) telemetry.child.kill('SIGTERM');
    await telemetry.exited;
    return 1;
  }
  const serving = start(wrangler, ['dev', '--config', 'wrangler.toml', ...args], env);
  // Either ending ends both: serving without telemetry would silently lose what it logs.
  const code = await Promise.race([
    serving.exited,
    telemetry.exited.then((c) => {
      console.error(`vigil: the telemetry Worker exited (${c}); stopping`);
      return c || 1;
    }),
  ]);
  for (const { child } of [serving, telemetry]) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all([serving.exited, telemetry.exited]);
  return code;
}

const HEALTH_CRON = '*/5 * * * *';

function portOf(args: readonly string[]): number {
  const i = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i === -1) return 8787;
  const value = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  return Number(value) || 8787;
}
