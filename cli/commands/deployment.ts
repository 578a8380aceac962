/**
 * The deployment commands: `promote`, `canary`, `shadow`, `rollback` and `sampling`. Each posts one action to
 * `POST /admin/models/{model}/deployment` and prints the deployment that results.
 */
import type { DeploymentChangeResult } from '../lib/api-types.ts';
import { UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, numberOption, parseCommandArgs, type ParsedCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { renderDeployment } from '../lib/deployment-view.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { VigilClient } from '../lib/vigil-client.ts';

const REASON_HELP = '  --reason <text>  why, recorded in the audit trail';

export const PROMOTE_USAGE = `usage: vigil promote <model> <version> [--reason <text>] [options]

Makes a version that passed QA the primary (it stops being a canary or shadow).

${REASON_HELP}

${COMMON_HELP}`;

export const CANARY_USAGE = `usage: vigil canary <model> <version> --percent <P> [--reason <text>] [options]
       vigil canary <model> --clear [--reason <text>] [options]

Sends P % of routing keys (0 < P ≤ 100) to a version that passed QA; the same key always gets the same
version while P is unchanged. --clear sends all traffic back to the primary.

  --percent <P>    share of routing keys, in percent
  --clear          remove the canary
${REASON_HELP}

${COMMON_HELP}`;

export const SHADOW_USAGE = `usage: vigil shadow <model> <version> --sample-rate <R> [--reason <text>] [options]
       vigil shadow <model> <version> --clear [--reason <text>] [options]

Mirrors a share R of requests (0 < R ≤ 1, or a percentage such as 25%) to a version after the response,
and records how its predictions compare with the primary's. --clear stops shadowing that version.

  --sample-rate <R>  share of requests mirrored
  --clear            stop shadowing the version
  --reason <text>    why, recorded in the audit trail

${COMMON_HELP}`;

export const ROLLBACK_USAGE = `usage: vigil rollback <model> [--reason <text>] [options]

Makes the previous primary (from the audit trail) the primary again.

${REASON_HELP}

${COMMON_HELP}`;

export const SAMPLING_USAGE = `usage: vigil sampling <model> --rate <R> [--reason <text>] [options]

Sets the share R of primary traffic logged as samples (0 ≤ R ≤ 1, or a percentage such as 5%); canary and
shadow traffic is always logged.

  --rate <R>       share of primary requests logged
${REASON_HELP}

${COMMON_HELP}`;

const REASON = { reason: { type: 'string' } } as const;

type Action = Record<string, unknown> & { action: string };

export function runPromote(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('promote', args, REASON, { min: 2, max: 2 });
    if (parsed.help) return printHelp(io, PROMOTE_USAGE);
    const [model, version] = parsed.positionals as [string, string];
    return change(io, parsed, model, { action: 'promote', version }, `promoted version ${version} of ${model}`);
  });
}

export function runCanary(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs(
      'canary',
      args,
      { ...REASON, percent: { type: 'string' }, clear: { type: 'boolean', default: false } },
      { min: 1, max: 2 },
    );
    if (parsed.help) return printHelp(io, CANARY_USAGE);
    const [model, version] = parsed.positionals as [string, string | undefined];
    if (parsed.values.clear) {
      if (parsed.values.percent !== undefined) throw new UsageError('--clear and --percent do not go together (see vigil canary --help)');
      if (version !== undefined) throw new UsageError('vigil canary <model> --clear takes no version (see vigil canary --help)');
      return change(io, parsed, model, { action: 'clear_canary' }, `cleared the canary of ${model}`);
    }
    if (version === undefined) throw new UsageError('vigil canary needs a version and --percent, or --clear (see vigil canary --help)');
    const percent = numberOption('percent', parsed.values.percent, { min: 0, max: 100 });
    if (percent === undefined || percent === 0) throw new UsageError('--percent is required: a number in (0, 100], e.g. --percent 10');
    return change(
      io,
      parsed,
      model,
      { action: 'canary', version, percent },
      `version ${version} of ${model} is the canary for ${percent} % of routing keys`,
    );
  });
}

export function runShadow(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs(
      'shadow',
      args,
      { ...REASON, 'sample-rate': { type: 'string' }, clear: { type: 'boolean', default: false } },
      { min: 2, max: 2 },
    );
    if (parsed.help) return printHelp(io, SHADOW_USAGE);
    const [model, version] = parsed.positionals as [string, string];
    if (parsed.values.clear) {
      if (parsed.values['sample-rate'] !== undefined)
        throw new UsageError('--clear and --sample-rate do not go together (see vigil shadow --help)');
      return change(io, parsed, model, { action: 'clear_shadow', version }, `version ${version} of ${model} is no longer a shadow`);
    }
    const rate = shareOption('sample-rate', parsed.values['sample-rate']);
    if (rate === undefined || rate === 0) throw new UsageError('--sample-rate is required: a share in (0, 1] such as 0.5 or 50%');
    return change(
      io,
      parsed,
      model,
      { action: 'shadow', version, sample_rate: rate },
      `version ${version} of ${model} shadows ${rate * 100} % of requests`,
    );
  });
}

export function runRollback(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('rollback', args, REASON, { min: 1, max: 1 });
    if (parsed.help) return printHelp(io, ROLLBACK_USAGE);
    const [model] = parsed.positionals as [string];
    return change(io, parsed, model, { action: 'rollback' }, (d) => `rolled ${model} back to version ${d.primary}`);
  });
}

export function runSampling(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('sampling', args, { ...REASON, rate: { type: 'string' } }, { min: 1, max: 1 });
    if (parsed.help) return printHelp(io, SAMPLING_USAGE);
    const [model] = parsed.positionals as [string];
    const rate = shareOption('rate', parsed.values.rate);
    if (rate === undefined) throw new UsageError('--rate is required: a share in [0, 1] such as 0.05 or 5%');
    return change(io, parsed, model, { action: 'sampling', sample_rate: rate }, `${model} logs ${rate * 100} % of primary traffic`);
  });
}

/** A share in [0, 1], written as 0.25 or 25%. */
export function shareOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const percent = /^\s*(.+?)\s*%\s*$/.exec(text);
  if (percent) return numberOption(name, percent[1], { min: 0, max: 100 })! / 100;
  return numberOption(name, text, { min: 0, max: 1 });
}

async function change(
  io: CliIo,
  parsed: ParsedCommandArgs<typeof REASON>,
  model: string,
  action: Action,
  done: string | ((deployment: DeploymentChangeResult['deployment']) => string),
): Promise<number> {
  const client = new VigilClient(resolveConnection(parsed.values, io));
  const reason = parsed.values.reason;
  const body = { ...action, ...(reason !== undefined && reason.trim() !== '' ? { reason } : {}) };
  const result = await client.admin<DeploymentChangeResult>('POST', `/admin/models/${encodeURIComponent(model)}/deployment`, body);
  if (parsed.values.json) {
    printJson(io, result);
    return 0;
  }
  writeLine(io.stdout, `${typeof done === 'string' ? done : done(result.deployment)} (revision ${result.deployment.revision})`);
  writeLine(io.stdout);
  writeLine(io.stdout, renderDeployment(result.deployment, io.now()));
  return 0;
}
