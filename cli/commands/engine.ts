/**
 * `vigil engine <model> <version> <auto|onnxruntime|compiled>`: force the engine a version serves on, or go back
 * to the QA gate's choice. Puts `PUT /admin/models/{model}/versions/{version}/engine` and prints the result.
 */
import type { VersionSummary } from '../lib/api-types.ts';
import { UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { VigilClient } from '../lib/vigil-client.ts';

export const ENGINE_USAGE = `usage: vigil engine <model> <version> <auto|onnxruntime|compiled> [--reason <text>] [options]

Chooses what evaluates a version. The QA gate picks the compiled evaluator when it supports the graph and
matches ONNX Runtime on every golden example and 1,000 inputs drawn from the training statistics, else
ONNX Runtime; "auto" goes back to that choice. "onnxruntime" forces the reference engine (say, while you
investigate a difference); "compiled" needs that parity proven and runs the proof if the version predates it.
Every isolate follows within about 20 seconds.

  --reason <text>  why, recorded with the choice

${COMMON_HELP}`;

const ENGINES = ['auto', 'onnxruntime', 'compiled'] as const;

export function runEngine(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('engine', args, { reason: { type: 'string' } }, { min: 3, max: 3 });
    if (parsed.help) return printHelp(io, ENGINE_USAGE);
    const [model, version, engine] = parsed.positionals as [string, string, string];
    if (!(ENGINES as readonly string[]).includes(engine))
      throw new UsageError(`the engine is one of ${ENGINES.join(', ')}, not "${engine}" (see vigil engine --help)`);
    const client = new VigilClient(resolveConnection(parsed.values, io));
    const reason = parsed.values.reason;
    const body = { engine, ...(reason !== undefined && reason.trim() !== '' ? { reason } : {}) };
    const result = await client.admin<VersionSummary>(
      'PUT',
      `/admin/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/engine`,
      body,
    );
    if (parsed.values.json) {
      printJson(io, result);
      return 0;
    }
    writeLine(
      io.stdout,
      `version ${version} of ${model} runs on ${result.engine}${result.engine_override ? ' (forced)' : ''}: ${result.engine_reason}`,
    );
    return 0;
  });
}
