/**
 * Argument parsing shared by the client commands (node:util parseArgs): the common options every command
 * takes, `--help`, and parse mistakes turned into one-line usage errors (exit 2).
 *
 * @example
 * const parsed = parseCommandArgs('events', args, { limit: { type: 'string' } }, { min: 1, max: 1 });
 * if (parsed.help) return printHelp(io, EVENTS_USAGE);
 * const [model] = parsed.positionals;
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from './cli-error.ts';

export const COMMON_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  actor: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

export const COMMON_HELP = `common options:
  --url <url>      Vigil's address (default $VIGIL_URL, else http://localhost:8787)
  --token <token>  admin token (default $VIGIL_ADMIN_TOKEN; for a localhost URL, ADMIN_TOKEN in .dev.vars)
  --actor <name>   who acts, recorded in the audit trail (default <os user>@<hostname>)
  --json           print JSON for machines instead of tables
  -h, --help       show this help`;

export interface PositionalRule {
  min: number;
  max: number;
}

export type ParsedCommandArgs<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof COMMON_OPTIONS & O; allowPositionals: true; strict: true }>
> & { help: boolean };

export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  args: readonly string[],
  options: O,
  positionals: PositionalRule,
): ParsedCommandArgs<O> {
  const see = `(see vigil ${command} --help)`;
  const beforeDashes = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  // Help wins over every other mistake on the line, so `vigil push --help` works without a directory.
  if (beforeDashes.includes('--help') || beforeDashes.includes('-h')) {
    return { values: {}, positionals: [], help: true } as unknown as ParsedCommandArgs<O>;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${explainParseError(error as Error & { code?: string })} ${see}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min)
    throw new UsageError(
      `${command} needs ${positionals.min === positionals.max ? positionals.min : `at least ${positionals.min}`} ` +
        `argument${positionals.min === 1 ? '' : 's'} ${see}`,
    );
  if (count > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}" ${see}`);
  return { ...parsed, help: false } as ParsedCommandArgs<O>;
}

function explainParseError(error: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message)
        ? `${option ?? 'an option'} needs a value`
        : `${option ?? 'an option'}: ${error.message.split('.')[0]}`;
    default:
      return error.message;
  }
}

/** A number option: `undefined` when absent; a usage error when not a number within [min, max]. */
export function numberOption(
  name: string,
  text: string | undefined,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  const { min = -Infinity, max = Infinity, integer = false } = range;
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const bounds = [min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}, got "${text}"`);
  }
  return value;
}
