/**
 * `vigil push <dir>`: uploads a model package (manifest.json + model.onnx) to the registry, which runs the
 * QA gate; prints the QA checks and exits 1 when the version failed them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QaReport, VersionRecord } from '../lib/api-types.ts';
import { CliError, UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, parseCommandArgs } from '../lib/command-args.ts';
import { requireToken, resolveConnection } from '../lib/connection.ts';
import { formatBytes, formatTime, shortSha } from '../lib/format.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { multipartBody } from '../lib/multipart.ts';
import { bar, ProgressLine } from '../lib/progress-bar.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { renderKeyValues, renderTable } from '../lib/table.ts';
import { apiError, isObject, VigilClient } from '../lib/vigil-client.ts';

export const PUSH_USAGE = `usage: vigil push <dir> [--model <name>] [--version <n>] [options]

Uploads <dir>/manifest.json and <dir>/model.onnx as a new version. Vigil runs the QA gate (model loads,
signature, encoding parity, golden examples) before the version may serve; the result is printed as a
table. Exits 1 when QA failed.

  --model <name>   model name (default: the manifest's name)
  --version <n>    version (default: the manifest's version)

${COMMON_HELP}`;

export function runPush(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('push', args, { model: { type: 'string' }, version: { type: 'string' } }, { min: 1, max: 1 });
    if (parsed.help) return printHelp(io, PUSH_USAGE);
    const [dir] = parsed.positionals as [string];
    const connection = resolveConnection(parsed.values, io);
    requireToken(connection);

    const manifestBytes = await readPackageFile(dir, 'manifest.json');
    const manifest = parseManifestJson(dir, manifestBytes);
    const model = parsed.values.model ?? (typeof manifest.name === 'string' ? manifest.name : undefined);
    const version = parsed.values.version ?? (typeof manifest.version === 'string' ? manifest.version : undefined);
    if (model === undefined) throw new UsageError(`${join(dir, 'manifest.json')} has no "name"; pass --model`);
    if (version === undefined) throw new UsageError(`${join(dir, 'manifest.json')} has no "version"; pass --version`);
    const modelBytes = await readPackageFile(dir, 'model.onnx');

    const body = multipartBody([
      { name: 'manifest', filename: 'manifest.json', contentType: 'application/json', data: manifestBytes },
      { name: 'model', filename: 'model.onnx', contentType: 'application/octet-stream', data: modelBytes },
    ]);
    const progress = new ProgressLine(io.stderr, io.now);
    const label = `pushing ${model} version ${version}`;
    const client = new VigilClient(connection);
    const result = await client
      .upload('PUT', `/admin/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`, body, (sent, total) => {
        progress.update(`${label} ${bar(sent / total)} ${formatBytes(sent)} / ${formatBytes(total)}`, sent === total);
      })
      .finally(() => progress.finish());

    const qaFailed = result.status === 422 && isObject(result.body) && isObject(result.body.version);
    if (!qaFailed && (result.status < 200 || result.status > 299)) throw apiError(result.status, result.body);
    const record = (qaFailed ? (result.body as { version: VersionRecord }).version : result.body) as VersionRecord;

    if (parsed.values.json) {
      printJson(io, result.body);
      return qaFailed ? 1 : 0;
    }
    const outcome = qaFailed
      ? 'pushed, but failed QA: recorded and cannot serve'
      : result.status === 201
        ? 'pushed'
        : 'already present with the same bytes';
    writeLine(io.stdout, `${model} version ${version}: ${outcome}`);
    writeLine(io.stdout);
    if (record.qa_report) {
      writeLine(io.stdout, qaTable(record.qa_report));
      writeLine(io.stdout);
    }
    writeLine(
      io.stdout,
      renderKeyValues([
        ['status', record.status],
        ['sha256', shortSha(record.sha256)],
        ['size', formatBytes(record.bytes)],
        ['created', `${formatTime(record.created_at)} by ${record.created_by}`],
        ...(record.qa_report ? ([['golden examples', String(record.qa_report.golden_examples)]] as [string, string][]) : []),
      ]),
    );
    if (qaFailed) {
      const message =
        isObject(result.body) && isObject(result.body.error) && typeof result.body.error.message === 'string'
          ? result.body.error.message
          : 'failed QA';
      throw new CliError(message);
    }
    if (record.deployment) {
      writeLine(io.stdout, `\n${model} is a new model: version ${version} is its primary and serves now (audited: vigil events ${model})`);
    } else if (record.status === 'qa_passed') {
      writeLine(io.stdout, `\nnext: vigil canary ${model} ${version} --percent 10   or   vigil promote ${model} ${version}`);
    }
    return record.status === 'qa_passed' ? 0 : 1;
  });
}

/** The QA checks as a table; a failed check's specific failures follow it, indented. */
export function qaTable(report: QaReport): string {
  const rows: string[][] = [];
  for (const check of report.checks) {
    rows.push([check.name, check.passed ? 'yes' : 'NO', check.message]);
    if (!check.passed) for (const failure of check.failures ?? []) rows.push(['', '', `  - ${failure}`]);
  }
  return renderTable([{ header: 'check' }, { header: 'passed' }, { header: 'message', maxWidth: 120 }], rows);
}

async function readPackageFile(dir: string, name: string): Promise<Uint8Array> {
  const path = join(dir, name);
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path} does not exist: a package directory holds manifest.json and model.onnx`);
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseManifestJson(dir: string, bytes: Uint8Array): Record<string, unknown> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new UsageError(`${join(dir, 'manifest.json')} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(manifest)) throw new UsageError(`${join(dir, 'manifest.json')} must hold a JSON object`);
  return manifest;
}
