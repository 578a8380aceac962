/**
 * `vigil events <model>`: the deployment audit trail, newest first.
 */
import type { DeploymentEvent } from '../lib/api-types.ts';
import { COMMON_HELP, numberOption, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { describeChange } from '../lib/deployment-view.ts';
import { formatTime } from '../lib/format.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { renderTable } from '../lib/table.ts';
import { VigilClient } from '../lib/vigil-client.ts';

export const EVENTS_USAGE = `usage: vigil events <model> [--limit N] [--before <id>] [options]

Lists the deployment changes of a model, newest first: who changed what, when and why.

  --limit N       how many events (1-500, default 20)
  --before <id>   only events older than this event id (to page back)

${COMMON_HELP}`;

export function runEvents(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('events', args, { limit: { type: 'string' }, before: { type: 'string' } }, { min: 1, max: 1 });
    if (parsed.help) return printHelp(io, EVENTS_USAGE);
    const [model] = parsed.positionals as [string];
    const limit = numberOption('limit', parsed.values.limit, { min: 1, max: 500, integer: true }) ?? 20;
    const before = numberOption('before', parsed.values.before, { min: 1, integer: true });
    const client = new VigilClient(resolveConnection(parsed.values, io));
    const query = new URLSearchParams({ limit: String(limit), ...(before !== undefined ? { before: String(before) } : {}) });
    const result = await client.admin<{ model: string; events: DeploymentEvent[] }>(
      'GET',
      `/admin/models/${encodeURIComponent(model)}/events?${query}`,
    );
    if (parsed.values.json) {
      printJson(io, result);
      return 0;
    }
    if (result.events.length === 0) {
      writeLine(io.stdout, `no deployment events for ${model} yet`);
      return 0;
    }
    writeLine(io.stdout, eventsTable(result.events));
    const oldest = result.events.at(-1)!;
    if (result.events.length === limit) writeLine(io.stdout, `\nolder events: vigil events ${model} --before ${oldest.id}`);
    return 0;
  });
}

export function eventsTable(events: readonly DeploymentEvent[]): string {
  const rows = events.map((e) => [
    String(e.revision),
    formatTime(e.created_at),
    e.actor,
    e.action,
    describeChange(e.before, e.after),
    e.reason ?? '',
  ]);
  return renderTable(
    [
      { header: 'rev', align: 'right' },
      { header: 'time' },
      { header: 'actor' },
      { header: 'action' },
      { header: 'change' },
      { header: 'reason', maxWidth: 60 },
    ],
    rows,
  );
}
