/**
 * Child processes and hung phases: everything the benchmark starts is registered here and ended on exit,
 * failure or Ctrl-C; every phase runs under a deadline and fails with a message that names it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();
let exiting = false;

/**
 * Children still running. Miniflare's own exit hook may end the process on a signal before asynchronous
 * cleanups finish, so children are also killed synchronously when the process exits, whatever ended it.
 */
const liveChildren = new Set<ChildProcess>();
const syncExitTasks = new Set<() => void>();
process.on('exit', () => {
  for (const child of liveChildren) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const task of syncExitTasks) {
    try {
      task();
    } catch {
      // best effort while exiting
    }
  }
});

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Registers synchronous work (e.g. removing a temporary directory) that runs however the process exits. */
export function onExitSync(task: () => void): () => void {
  syncExitTasks.add(task);
  return () => syncExitTasks.delete(task);
}

/** Registers `cleanup` to run on exit; returns a function that unregisters it. */
export function onCleanup(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let cleaning: Promise<void> | null = null;

/**
 * Runs every registered cleanup (each at most `timeoutMs`), newest first. Concurrent callers (a signal handler
 * and the main path unwinding) share one run, so neither exits before it has finished.
 */
export function cleanupAll(timeoutMs = 10_000): Promise<void> {
  cleaning ??= (async () => {
    const pending = [...cleanups].reverse();
    cleanups.clear();
    for (const cleanup of pending) {
      try {
        await withTimeout(Promise.resolve().then(cleanup), timeoutMs, 'cleanup');
      } catch (error) {
        console.error(`bench: cleanup failed: ${String(error)}`);
      }
    }
  })();
  return cleaning;
}

/** Installs signal and crash handlers that clean up before the process ends. */
export function installExitHandlers(): void {
  const bail = (code: number, message?: string) => {
    if (exiting) return;
    exiting = true;
    if (message) console.error(message);
    void cleanupAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => bail(130, 'bench: interrupted; stopping child processes'));
  process.on('SIGTERM', () => bail(143, 'bench: terminated; stopping child processes'));
  process.on('uncaughtException', (error) => bail(1, `bench: ${error.stack ?? String(error)}`));
  process.on('unhandledRejection', (error) => bail(1, `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
}

export class PhaseTimeoutError extends Error {
  constructor(phase: string, timeoutMs: number) {
    super(`phase "${phase}" did not finish within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'PhaseTimeoutError';
  }
}

/** Resolves like `promise`, or rejects with PhaseTimeoutError after `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, phase: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhaseTimeoutError(phase, timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Ends a child: SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface NodeChild {
  child: ChildProcess;
  /** Everything the child wrote to stdout, once it has exited. */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Starts `node <script> ...args` (TypeScript by type stripping), registered for cleanup. */
export function spawnNode(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): NodeChild {
  const child = spawn(process.execPath, ['--no-warnings', script, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (options.onLine) {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        options.onLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const unregister = onCleanup(() => stopChild(child));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      unregister();
      resolve({ code, stdout, stderr });
    });
  });
  return { child, exited, stop: () => stopChild(child) };
}

/** Runs a command to completion (output inherited), failing with its exit code. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; quiet?: boolean },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const unregister = onCleanup(() => stopChild(child));
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.once('error', (error) => {
      unregister();
      reject(error);
    });
    child.once('exit', (code) => {
      unregister();
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}
