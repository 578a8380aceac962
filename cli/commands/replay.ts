/**
 * `vigil replay <csv> --model <m>`: sends the rows of a CSV to a running Vigil as prediction requests, at a
 * given rate and concurrency, to rehearse production traffic: optionally transforming columns to rehearse
 * drift, holding the label column back to measure quality and posting it later as feedback.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Deployment, FeedbackItem, FeedbackResponse, PredictResponse, V2ModelMetadata, VersionRecord } from '../lib/api-types.ts';
import { CliError, ConnectionError, UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, numberOption, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection, type Connection } from '../lib/connection.ts';
import { parseCsv, type CsvTable } from '../lib/csv.ts';
import { parseDuration } from '../lib/duration.ts';
import { formatDuration, formatShare } from '../lib/format.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { bar, ProgressLine } from '../lib/progress-bar.ts';
import { postFeedback, type FeedbackTotals } from '../lib/replay/feedback.ts';
import { modelInputs, type ReplayTask } from '../lib/replay/model-inputs.ts';
import { runPaced } from '../lib/replay/pacer.ts';
import { assumedPositiveLabel, compareWithOffline, qualityByVersion, type LabelledPrediction } from '../lib/replay/quality.ts';
import { buildRow, planReplay, type ReplayPlan, type ReplayRow } from '../lib/replay/replay-rows.ts';
import { dominantVersion, isSuccess, summarizeOutcomes, type RequestOutcome } from '../lib/replay/replay-stats.ts';
import { renderFeedback, renderQuality, renderRequests, type QualityView } from '../lib/replay/replay-view.ts';
import { parseSet, parseShift, type ColumnTransform } from '../lib/replay/transforms.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { apiError, VigilClient } from '../lib/vigil-client.ts';
import { positiveLabel as manifestPositiveLabel } from '../../src/model/manifest.ts';

export const REPLAY_USAGE = `usage: vigil replay <csv> --model <name> [--rate 50] [--concurrency 8] [--limit N]
                    [--label-column <col>] [--feedback] [--feedback-delay 20s]
                    [--shift col=*1.5 | col=+10 | col=-3]... [--set col=value]...
                    [--routing-key-column <col>] [--api-key <key>] [--feedback-key <key>] [options]

Sends each row of the CSV as one prediction request (POST /v1/models/<name>/predict) with request id
replay-<run id>-<row>, where row 1 is the first row after the header. Columns are typed from the model's
inputs (GET /v2/models/<name>); columns that are not inputs are ignored. Prints requests by status, the
most frequent errors, latency percentiles and the versions that served; with a label column, the quality
of the predictions next to the offline metrics of the serving version's manifest.

  --model <name>             model to send to (required)
  --rate <n>                 requests per second (default 50; 0 = as fast as concurrency allows)
  --concurrency <n>          requests in flight at most (default 8)
  --limit <n>                send only the first n rows
  --label-column <col>       hold this column back as the label: quality is measured against it
  --feedback                 after the replay and the delay, post the labels as feedback
  --feedback-delay <d>       wait before posting feedback, e.g. 20s, 1m (default 20s)
  --shift <col=op>           rehearse drift on a numeric column: *1.5 multiplies, +10 adds, -3 subtracts
  --set <col=value>          replace a column's value in every row (col= makes it missing)
  --routing-key-column <col> send this column as the routing key (keeps a key on one canary arm)
  --api-key <key>            API key for prediction routes when the server requires one
                             (default $VIGIL_API_KEY)
  --feedback-key <key>       token for posting feedback: one of FEEDBACK_TOKENS or PREDICT_TOKENS
                             (default $VIGIL_FEEDBACK_KEY, else the API key, else the admin token)

The admin token (optional here) lets the replay read the serving version's manifest for its offline
metrics and positive label, and warn when the deployment logs too few requests for feedback to match.

${COMMON_HELP}`;

const REPLAY_OPTIONS = {
  model: { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  limit: { type: 'string' },
  'label-column': { type: 'string' },
  feedback: { type: 'boolean', default: false },
  'feedback-delay': { type: 'string' },
  shift: { type: 'string', multiple: true },
  set: { type: 'string', multiple: true },
  'routing-key-column': { type: 'string' },
  'api-key': { type: 'string' },
  'feedback-key': { type: 'string' },
} as const;

interface ReplayOptions {
  csvPath: string;
  model: string;
  ratePerSecond: number;
  concurrency: number;
  limit: number | undefined;
  labelColumn: string | undefined;
  feedback: boolean;
  feedbackDelayMs: number;
  transforms: ColumnTransform[];
  routingKeyColumn: string | undefined;
  apiKey: string | undefined;
  feedbackKey: string | undefined;
  json: boolean;
}

export function runReplay(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs('replay', args, REPLAY_OPTIONS, { min: 1, max: 1 });
    if (parsed.help) return printHelp(io, REPLAY_USAGE);
    const v = parsed.values;
    if (v.model === undefined) throw new UsageError('--model is required: the model to send the rows to (see vigil replay --help)');
    const delay = parseDuration(v['feedback-delay'] ?? '20s');
    if (!delay.ok) throw new UsageError(`--feedback-delay: ${delay.message}`);
    const options: ReplayOptions = {
      csvPath: parsed.positionals[0]!,
      model: v.model,
      ratePerSecond: numberOption('rate', v.rate, { min: 0 }) ?? 50,
      concurrency: numberOption('concurrency', v.concurrency, { min: 1, max: 1000, integer: true }) ?? 8,
      limit: numberOption('limit', v.limit, { min: 1, integer: true }),
      labelColumn: v['label-column'],
      feedback: v.feedback,
      feedbackDelayMs: delay.ms,
      transforms: [...(v.shift ?? []).map(parseShift), ...(v.set ?? []).map(parseSet)].map((r) => {
        if (!r.ok) throw new UsageError(r.message);
        return r.transform;
      }),
      routingKeyColumn: v['routing-key-column'],
      apiKey: v['api-key'] ?? (io.env.VIGIL_API_KEY || undefined),
      feedbackKey: v['feedback-key'] ?? (io.env.VIGIL_FEEDBACK_KEY || undefined),
      json: v.json,
    };
    if (options.feedback && options.labelColumn === undefined)
      throw new UsageError('--feedback needs --label-column: the column whose values are posted as feedback');
    return replay(options, resolveConnection(v, io), io);
  });
}

async function replay(options: ReplayOptions, connection: Connection, io: CliIo): Promise<number> {
  const table = await readCsvTable(options.csvPath);
  const client = new VigilClient(connection);
  const modelPath = encodeURIComponent(options.model);
  const predictHeaders: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const say = (text = '') => {
    if (!options.json) writeLine(io.stdout, text);
  };

  const metadata = await client.json<V2ModelMetadata>('GET', `/v2/models/${modelPath}`, { headers: predictHeaders });
  const described = modelInputs(metadata);
  if (!described.ok) throw new CliError(described.message);
  const planned = planReplay({
    header: table.header,
    inputs: described.inputs,
    task: described.task,
    labelColumn: options.labelColumn,
    routingKeyColumn: options.routingKeyColumn,
    transforms: options.transforms,
  });
  if (!planned.ok) throw new UsageError(planned.message);
  const plan = planned.plan;

  const records = options.limit !== undefined ? table.records.slice(0, options.limit) : table.records;
  if (records.length === 0) throw new UsageError(`${options.csvPath} has no rows to replay`);
  const runId = randomBytes(4).toString('hex');
  const rows = records.map((record, i) => buildRow(record, i, runId, plan));

  say(`replaying ${rows.length} rows of ${options.csvPath} to ${options.model} at ${connection.url}`);
  say(
    `  run ${runId}: request ids replay-${runId}-<row>; ` +
      `${options.ratePerSecond > 0 ? `${options.ratePerSecond} requests/s` : 'as fast as possible'}, concurrency ${options.concurrency}`,
  );
  if (plan.labelColumn !== undefined)
    say(`  label column "${plan.labelColumn}" held back${options.feedback ? ', posted as feedback after the run' : ''}`);
  if (plan.ignoredColumns.length) say(`  ignored (not model inputs): ${plan.ignoredColumns.join(', ')}`);
  if (plan.transforms.size)
    say(`  transforms: ${[...plan.transforms.values()].map((t) => (t.kind === 'set' ? `set ${t.text}` : `shift ${t.text}`)).join(', ')}`);
  if (plan.missingInputs.length)
    writeLine(
      io.stderr,
      `vigil: warning: the CSV has no column for model inputs ${plan.missingInputs.join(', ')}; requests go without them`,
    );
  if (options.feedback && connection.token !== undefined) await warnAboutSampling(client, modelPath, io);

  const outcomes: RequestOutcome[] = [];
  const counts = { ok: 0, errors: 0 };
  const progress = new ProgressLine(io.stderr, io.now);
  let stopping = false;
  const stopListening = io.onInterrupt(() => {
    if (stopping) process.exit(130);
    stopping = true;
    progress.clear();
    writeLine(io.stderr, 'vigil: stopping: waiting for the requests in flight (Ctrl-C again to quit now)');
  });
  const startMs = io.now();
  const drawProgress = (force = false) => {
    const done = outcomes.length;
    const elapsedS = (io.now() - startMs) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const etaS = rate > 0 ? (rows.length - done) / rate : 0;
    progress.update(
      `replay ${bar(done / rows.length)} ${done}/${rows.length} · ok ${counts.ok} · errors ${counts.errors} · ` +
        `${rate.toFixed(1)} req/s${done < rows.length && rate > 0 ? ` · eta ${formatDuration(etaS * 1000)}` : ''}`,
      force,
    );
  };
  try {
    drawProgress(true);
    await runPaced(
      rows.length,
      { ratePerSecond: options.ratePerSecond, concurrency: options.concurrency, now: io.now, sleep: io.sleep, stopped: () => stopping },
      async (i) => {
        const outcome = await sendRow(client, modelPath, rows[i]!, predictHeaders, io.now);
        outcomes.push(outcome);
        if (isSuccess(outcome)) counts.ok++;
        else counts.errors++;
        drawProgress();
      },
    );
    drawProgress(true);
  } finally {
    progress.finish();
    stopListening();
  }
  const durationMs = io.now() - startMs;

  const summary = summarizeOutcomes(outcomes);
  if (summary.sent > 0 && summary.byStatus.network === summary.sent) throw new ConnectionError(connection.url, 'no request got an answer');
  say();
  say(renderRequests(summary, durationMs, rows.length));

  const quality =
    plan.labelColumn !== undefined
      ? await measureQuality(client, options, described.task, plan, rows, outcomes, summary.versions, connection)
      : undefined;
  if (quality) {
    say();
    say(renderQuality(quality));
  }

  let feedback: FeedbackTotals | undefined;
  if (options.feedback && stopping) say('\nfeedback not posted: the replay was interrupted');
  else if (options.feedback) {
    const feedbackKey = options.feedbackKey ?? options.apiKey ?? connection.token;
    const feedbackHeaders: Record<string, string> = feedbackKey ? { authorization: `Bearer ${feedbackKey}` } : {};
    feedback = await sendFeedback(client, modelPath, rows, outcomes, feedbackHeaders, options.feedbackDelayMs, io);
    say();
    say(renderFeedback(feedback));
  }

  if (options.json) {
    printJson(io, {
      run_id: runId,
      model: options.model,
      csv: options.csvPath,
      rows: rows.length,
      interrupted: stopping,
      duration_ms: Math.round(durationMs),
      requests: { sent: summary.sent, ok: summary.ok, errors: summary.errors, by_status: summary.byStatus },
      errors: summary.errorMessages,
      latency_ms: summary.latencyMs,
      versions: summary.versions,
      ...(quality
        ? {
            quality: {
              label_column: quality.labelColumn,
              task: described.task,
              positive_label: quality.positiveLabel,
              versions: quality.versions.map((q) => ({
                version: q.version,
                rows: q.rows,
                skipped: q.skipped,
                metrics: q.metrics,
                offline_comparison:
                  q.comparison?.map((c) => ({
                    metric: c.metric,
                    live: c.live,
                    offline: c.offline,
                    relative_difference: c.relativeDifference,
                    primary: c.primary,
                    direction: c.direction ?? null,
                  })) ?? null,
              })),
              ...(quality.offlineNote ? { note: quality.offlineNote } : {}),
            },
          }
        : {}),
      ...(feedback
        ? {
            feedback: {
              sent: feedback.sent,
              accepted: feedback.accepted,
              matched: feedback.matched,
              unknown: feedback.unknown,
              duplicates: feedback.duplicates,
              unknown_sample: feedback.unknownSample,
              failed_batches: feedback.failedBatches,
            },
          }
        : {}),
    });
  }
  return summary.errors > 0 || stopping || (feedback?.failedBatches.length ?? 0) > 0 ? 1 : 0;
}

async function readCsvTable(path: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new UsageError(`${path}:${parsed.error.line}: ${parsed.error.message}`);
  return parsed.table;
}

async function sendRow(
  client: VigilClient,
  modelPath: string,
  row: ReplayRow,
  headers: Record<string, string>,
  now: () => number,
): Promise<RequestOutcome> {
  const body = { instances: [row.instance], ...(row.routingKey !== undefined ? { routing_key: row.routingKey } : {}) };
  const started = now();
  try {
    const result = await client.send('POST', `/v1/models/${modelPath}/predict`, {
      body,
      headers: { ...headers, 'x-request-id': row.requestId },
    });
    const latencyMs = now() - started;
    if (result.status >= 200 && result.status < 300) {
      const response = result.body as PredictResponse;
      const version = result.headers.get('x-model-version') ?? response.version;
      return {
        row: row.row,
        requestId: row.requestId,
        status: result.status,
        latencyMs,
        version,
        ...(response.predictions?.[0] ? { prediction: response.predictions[0] } : {}),
      };
    }
    return {
      row: row.row,
      requestId: row.requestId,
      status: result.status,
      latencyMs,
      error: apiError(result.status, result.body).message,
    };
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    return { row: row.row, requestId: row.requestId, status: 0, latencyMs: now() - started, error: error.message };
  }
}

/** Feedback only matches logged predictions; say so before the run when most will not be logged. */
async function warnAboutSampling(client: VigilClient, modelPath: string, io: CliIo): Promise<void> {
  let deployment: Deployment;
  try {
    deployment = await client.admin<Deployment>('GET', `/admin/models/${modelPath}/deployment`);
  } catch (error) {
    if (error instanceof CliError) return;
    throw error;
  }
  // Shadowed requests are always logged: a shadow at rate 1 logs every primary request.
  const shadowed = Math.max(0, ...deployment.shadows.map((s) => s.sample_rate));
  if (deployment.sample_rate < 1 && shadowed < 1) {
    writeLine(
      io.stderr,
      `vigil: note: ${deployment.model} logs ${formatShare(deployment.sample_rate)} of primary requests; ` +
        'feedback on requests that were not logged comes back unknown. ' +
        `For a full rehearsal: vigil sampling ${deployment.model} --rate 1`,
    );
  }
}

async function measureQuality(
  client: VigilClient,
  options: ReplayOptions,
  task: ReplayTask,
  plan: ReplayPlan,
  rows: readonly ReplayRow[],
  outcomes: readonly RequestOutcome[],
  versionsServed: Record<string, number>,
  connection: Connection,
): Promise<QualityView | undefined> {
  const labels = new Map(rows.map((r) => [r.requestId, r.label]));
  const labelled: LabelledPrediction[] = [];
  for (const o of outcomes) {
    const label = labels.get(o.requestId);
    if (isSuccess(o) && o.prediction && o.version !== undefined && label !== null && label !== undefined)
      labelled.push({ version: o.version, label, prediction: o.prediction });
  }
  if (labelled.length === 0) return undefined;

  // The manifests of the versions that served, for offline metrics and the positive label.
  const records = new Map<string, VersionRecord>();
  let offlineNote: string | undefined;
  if (connection.token === undefined) offlineNote = 'offline metrics not shown: they need the admin token (--token or VIGIL_ADMIN_TOKEN)';
  else {
    const served = Object.entries(versionsServed)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 4)
      .map(([version]) => version);
    for (const version of served) {
      try {
        records.set(
          version,
          await client.admin<VersionRecord>(
            'GET',
            `/admin/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(version)}`,
          ),
        );
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        offlineNote = `offline metrics of version ${version} not available: ${error.message}`;
      }
    }
  }
  const main = records.get(dominantVersion(versionsServed) ?? '');
  const manifestPositive = manifestPositiveLabel({ task, output: main?.manifest?.output });
  const positiveLabel =
    task === 'binary_classification' ? (manifestPositive ?? assumedPositiveLabel(labelled.map((l) => l.prediction))) : undefined;

  const versions = qualityByVersion(task, positiveLabel, labelled).map((q) => {
    const offline = records.get(q.version)?.offline_metrics;
    return { ...q, comparison: offline ? compareWithOffline(q.metrics, offline) : undefined };
  });
  return {
    labelColumn: plan.labelColumn!,
    positiveLabel,
    positiveLabelAssumed: task === 'binary_classification' && manifestPositive === undefined,
    versions,
    offlineNote,
  };
}

async function sendFeedback(
  client: VigilClient,
  modelPath: string,
  rows: readonly ReplayRow[],
  outcomes: readonly RequestOutcome[],
  headers: Record<string, string>,
  delayMs: number,
  io: CliIo,
): Promise<FeedbackTotals> {
  const labels = new Map(rows.map((r) => [r.requestId, r.label]));
  const items: FeedbackItem[] = [];
  // Only requests that were answered can have a logged prediction; in CSV order, for readable server logs.
  for (const o of [...outcomes].sort((a, b) => a.row - b.row)) {
    const label = labels.get(o.requestId);
    if (isSuccess(o) && label !== null && label !== undefined) items.push({ request_id: o.requestId, label, instance: 0 });
  }
  const progress = new ProgressLine(io.stderr, io.now);
  if (delayMs > 0) {
    if (!progress.enabled)
      writeLine(io.stderr, `vigil: waiting ${formatDuration(delayMs)} before posting feedback (telemetry is written in the background)`);
    for (let left = delayMs; left > 0; left -= 1000) {
      progress.update(`waiting ${formatDuration(left)} before posting feedback (telemetry is written in the background)`, true);
      await io.sleep(Math.min(1000, left));
    }
    progress.clear();
  }
  try {
    return await postFeedback(
      items,
      (batch) => client.json<FeedbackResponse>('POST', `/v1/models/${modelPath}/feedback`, { body: { items: batch }, headers }),
      (sent) => progress.update(`feedback ${bar(sent / items.length)} ${sent}/${items.length}`, true),
    );
  } finally {
    progress.finish();
  }
}
