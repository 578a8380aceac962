/**
 * What a command reads from and writes to besides the network: output streams, environment, where the
 * local `.dev.vars` lives, who is running it, the clock and Ctrl-C. Commands take a `CliIo` so tests can
 * run them in-process with captured output and a made-up environment.
 */
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

export interface TextSink {
  write(text: string): void;
  /** A terminal: progress bars are drawn only there. */
  readonly isTTY: boolean;
  readonly columns?: number;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  /** The repository's `.dev.vars`, read for a local admin token. */
  devVarsPath: string;
  /** `<os user>@<hostname>`, sent as `x-vigil-actor` unless `--actor` says otherwise. */
  defaultActor: string;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

function sink(stream: NodeJS.WriteStream): TextSink {
  return {
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns;
    },
  };
}

function osActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment may still know.
    user = process.env.USER ?? process.env.USERNAME ?? user;
  }
  return `${user}@${hostname()}`;
}

export function processIo(): CliIo {
  return {
    stdout: sink(process.stdout),
    stderr: sink(process.stderr),
    env: process.env,
    devVarsPath: join(REPO_ROOT, '.dev.vars'),
    defaultActor: osActor(),
    now: () => performance.timeOrigin + performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
  };
}

/** Writes a line (a newline is added). */
export function writeLine(sink: TextSink, text = ''): void {
  sink.write(`${text}\n`);
}
