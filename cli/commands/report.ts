/**
 * `vigil report <model> <kind>`: one of the server's reports (shadow, canary, drift, quality, score) as
 * readable tables, or the raw JSON with --json.
 */
import { UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { renderReport } from '../lib/report-view.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { VigilClient } from '../lib/vigil-client.ts';

export const REPORT_KINDS = ['shadow', 'canary', 'drift', 'quality', 'score'] as const;

export const REPORT_USAGE = `usage: vigil report <model> <${REPORT_KINDS.join('|')}> [--window 1h] [options]

Prints one of the model's reports, computed by Vigil over a time window:
  shadow   each shadow version against the primary on the same requests
  canary   the canary against the primary on live traffic
  drift    skew against training and drift against the previous window, per feature
  quality  quality on labelled feedback, over time, per slice and across protected attributes
  score    the ML Test Score card

  --window <w>     time window, e.g. 1h, 24h, 7d (default: the server's)

${COMMON_HELP}`;

export function runReport(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('report', args, { window: { type: 'string' } }, { min: 2, max: 2 });
    if (parsed.help) return printHelp(io, REPORT_USAGE);
    const [model, kind] = parsed.positionals as [string, string];
    if (!(REPORT_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`unknown report "${kind}"; reports: ${REPORT_KINDS.join(', ')}`);
    const window = parsed.values.window;
    if (window !== undefined && !/^\d+(m|h|d)$/.test(window))
      throw new UsageError(`--window must be a number and a unit (m, h or d), e.g. 1h, 24h, 7d; got "${window}"`);

    const client = new VigilClient(resolveConnection(parsed.values, io));
    const query = window !== undefined ? `?${new URLSearchParams({ window })}` : '';
    const report = await client.admin<unknown>('GET', `/v1/models/${encodeURIComponent(model)}/reports/${kind}${query}`);
    if (parsed.values.json) {
      printJson(io, report);
      return 0;
    }
    writeLine(io.stdout, `${kind} report: ${model}${window !== undefined ? ` (window ${window})` : ''}`);
    writeLine(io.stdout);
    writeLine(io.stdout, renderReport(report));
    return 0;
  });
}
