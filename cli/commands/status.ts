/**
 * `vigil status [<model>]`: a model's deployment and versions, or an overview of every model.
 */
import type { Deployment, ModelOverview, VersionSummary } from '../lib/api-types.ts';
import { ApiError } from '../lib/cli-error.ts';
import { COMMON_HELP, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { describeCanary, describeShadows, renderDeployment } from '../lib/deployment-view.ts';
import { formatTime, shortSha } from '../lib/format.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { renderTable } from '../lib/table.ts';
import { VigilClient } from '../lib/vigil-client.ts';

export const STATUS_USAGE =
  `usage: vigil status [<model>] [options]

Shows a model's deployment (primary, canary, shadows, sample rate, who changed it last) and its versions
with their QA status and engine (compiled, or onnxruntime; "forced" when an operator chose it). ` +
  `Without a model, lists every model with its deployment.

${COMMON_HELP}`;

export function runStatus(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('status', args, {}, { min: 0, max: 1 });
    if (parsed.help) return printHelp(io, STATUS_USAGE);
    const client = new VigilClient(resolveConnection(parsed.values, io));
    const [model] = parsed.positionals;
    if (model === undefined) return overview(client, io, parsed.values.json);

    const path = `/admin/models/${encodeURIComponent(model)}`;
    const [versions, deployment] = await Promise.all([
      client.admin<{ versions: VersionSummary[] }>('GET', `${path}/versions`),
      client.admin<Deployment>('GET', `${path}/deployment`).catch((error: unknown) => {
        // A model whose versions all failed QA has no deployment; its versions are still worth showing.
        if (error instanceof ApiError && error.status === 404) return error;
        throw error;
      }),
    ]);
    if (parsed.values.json) {
      printJson(io, { model, deployment: deployment instanceof ApiError ? null : deployment, versions: versions.versions });
      return 0;
    }
    writeLine(io.stdout, model);
    writeLine(io.stdout);
    writeLine(io.stdout, 'deployment');
    writeLine(io.stdout, deployment instanceof ApiError ? `  none: ${deployment.message}` : indent(renderDeployment(deployment, io.now())));
    writeLine(io.stdout);
    writeLine(io.stdout, 'versions');
    writeLine(io.stdout, versionsTable(versions.versions, deployment instanceof ApiError ? undefined : deployment));
    return 0;
  });
}

async function overview(client: VigilClient, io: CliIo, json: boolean): Promise<number> {
  const { models } = await client.admin<{ models: ModelOverview[] }>('GET', '/admin/models');
  if (json) {
    printJson(io, { models });
    return 0;
  }
  if (models.length === 0) {
    writeLine(io.stdout, 'no models yet: push one with `vigil push <dir>`');
    return 0;
  }
  const rows = models.map((m) => [
    m.name,
    m.deployment?.primary ?? '—',
    m.deployment ? describeCanary(m.deployment) : '—',
    m.deployment ? describeShadows(m.deployment) : '—',
    String(m.versions.length),
    m.versions.at(-1)?.version ?? '—',
  ]);
  writeLine(
    io.stdout,
    renderTable(
      [
        { header: 'model' },
        { header: 'primary' },
        { header: 'canary' },
        { header: 'shadows' },
        { header: 'versions', align: 'right' },
        { header: 'latest' },
      ],
      rows,
    ),
  );
  return 0;
}

export function versionsTable(versions: readonly VersionSummary[], deployment: Deployment | undefined): string {
  if (versions.length === 0) return '  none';
  const role = (v: string) =>
    !deployment
      ? ''
      : v === deployment.primary
        ? 'primary'
        : v === deployment.canary?.version
          ? 'canary'
          : deployment.shadows.some((s) => s.version === v)
            ? 'shadow'
            : '';
  const engine = (v: VersionSummary) =>
    v.status !== 'qa_passed' ? '' : `${v.engine ?? 'onnxruntime'}${v.engine_override ? ' (forced)' : ''}`;
  const rows = versions.map((v) => [
    v.version,
    role(v.version),
    v.source,
    v.status,
    engine(v),
    shortSha(v.sha256),
    formatTime(v.created_at),
    v.created_by,
    v.qa_failure ?? '',
  ]);
  return renderTable(
    [
      { header: 'version' },
      { header: 'role' },
      { header: 'source' },
      { header: 'status' },
      { header: 'engine' },
      { header: 'sha256' },
      { header: 'created' },
      { header: 'by' },
      { header: 'qa failure', maxWidth: 80 },
    ],
    rows,
    '  ',
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
