/**
 * The frame every client command runs in: expected failures (CliError) become one line on stderr plus
 * their details and the command's exit code; anything else is a bug and is rethrown with its stack.
 *
 * @example
 * export function runStatus(args: string[], io = processIo()) {
 *   return runCommand(io, async () => { …; return 0; });
 * }
 */
import { CliError } from './cli-error.ts';
import { writeLine, type CliIo } from './io.ts';

export async function runCommand(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    printError(io, error);
    return error.exitCode;
  }
}

export function printError(io: CliIo, error: CliError): void {
  writeLine(io.stderr, `vigil: ${error.message}`);
  for (const line of error.details) writeLine(io.stderr, line);
}

export function printHelp(io: CliIo, usage: string): number {
  writeLine(io.stdout, usage);
  return 0;
}

export function printJson(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value, null, 2));
}
