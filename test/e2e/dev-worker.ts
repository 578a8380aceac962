/**
 * A Vigil of its own for an end-to-end test: the serving and telemetry Workers in two `wrangler dev` processes
 * on free ports, as `npm start` runs them, with their local state (D1, R2, queues) and dev registry in a
 * temporary directory, migrated first, with the test's own admin token. Nothing from
 * the developer's .dev.vars or .wrangler/state is used, and nothing goes to the network.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TELEMETRY_QUEUE, waitForQueueConsumer } from '../../cli/lib/dev-registry.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const OFFLINE_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

export interface DevWorker {
  url: string;
  adminToken: string;
  /** What wrangler printed, for diagnosing a failed start. */
  output(): string;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function runStep(what: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env: OFFLINE_ENV, encoding: 'utf8', timeout: 90_000 });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const res = await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev was not ready after ${timeoutMs} ms:\n${output()}`);
}

export async function startDevWorker(
  options: { vars?: Record<string, string>; telemetryVars?: Record<string, string> } = {},
): Promise<DevWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const state = join(dir, 'state');
  const adminToken = `e2e-${crypto.randomUUID()}`;
  // Secrets come from this file instead of the developer's .dev.vars.
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, `ADMIN_TOKEN=${adminToken}\n`);

  const wrangler = join(REPO_ROOT, 'node_modules', '.bin', 'wrangler');
  runStep('vigil models:index', process.execPath, [join(REPO_ROOT, 'cli', 'vigil.js'), 'models:index']);
  runStep('applying the D1 migrations', wrangler, ['d1', 'migrations', 'apply', 'vigil', '--local', '--persist-to', state]);

  const [port, inspectorPort, telemetryPort, telemetryInspectorPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const asFlags = (given: Record<string, string> = {}) => Object.entries(given).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const vars = asFlags(options.vars);
  const common = ['--ip', '127.0.0.1', '--persist-to', state, '--env-file', envFile, '--show-interactive-dev-session=false'];
  // The serving Worker and the telemetry Worker, as `npm start` runs them; they meet in a dev registry of their own.
  const registryPath = join(dir, 'registry');
  const env = { ...OFFLINE_ENV, WRANGLER_REGISTRY_PATH: registryPath };
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  const launch = (args: string[]) => {
    // Its own process group, so stopping it also stops the workerd it starts.
    const child = spawn(wrangler, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return child;
  };
  const telemetry = launch([
    'dev',
    '--config',
    'wrangler.telemetry.toml',
    '--port',
    String(telemetryPort),
    '--inspector-port',
    String(telemetryInspectorPort),
    ...common,
    ...asFlags(options.telemetryVars),
  ]);
  const output = () => log;
  // Serving starts once the telemetry Worker is registered: locally, telemetry sent before then is dropped.
  let child: ChildProcess | undefined;
  const launchServing = async () => {
    await waitForQueueConsumer({
      registryPath,
      queue: TELEMETRY_QUEUE,
      timeoutMs: 60_000,
      abandoned: () => (telemetry.exitCode === null ? undefined : `the telemetry Worker exited (${telemetry.exitCode}):\n${output()}`),
    });
    child = launch([
      'dev',
      '--config',
      'wrangler.toml',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      ...common,
      ...vars,
    ]);
    return child;
  };

  const stopOne = async (process_: ChildProcess) => {
    if (process_.exitCode === null && process_.pid !== undefined) {
      const exited = new Promise<void>((r) => process_.once('exit', () => r()));
      try {
        process.kill(-process_.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!killed) {
        try {
          process.kill(-process_.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  const stop = async () => {
    await Promise.all([child ? stopOne(child) : undefined, stopOne(telemetry)]);
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, await launchServing(), output, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, adminToken, output, stop };
}
