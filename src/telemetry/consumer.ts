/**
 * The TELEMETRY queue consumer: writes each message's records to D1 in one transaction (a D1 batch of one
 * multi-row statement per table, each with a single bound parameter: the rows as JSON). Applying a message is
 * idempotent: its id is recorded in the same transaction, and samples and comparisons are keyed by request id and version, so a
 * redelivered message changes nothing. Failed messages are retried with backoff; after `maxAttempts` they go
 * to the dead-letter queue instead of being dropped.
 */
import { decodeMessage } from './message-format.ts';
import type { PredictionSampleRecord, ProfileRecord, ShadowComparisonRecord, TelemetryMessage } from './records.ts';

/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMETERS = 100;

export interface ConsumerDeps {
  d1: D1Database;
  deadLetters?: Queue<TelemetryMessage | string>;
  maxAttempts: number;
  /** First retry delay (doubling, at most an hour); 30 s unless TELEMETRY_RETRY_SECONDS says otherwise. */
  retryBaseSeconds?: number;
  now?: () => number;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

const field = (name: string) => `json_extract(value, '$.${name}')`;
const version = (name: string) => `CAST(${field(name)} AS INTEGER)`;

// Each table takes all of a message's rows in one statement with one bound parameter: the rows as a JSON array,
// expanded by json_each. Multi-row, well within D1's 100 bound parameters, and no per-row SQL to build.
const COMPARISONS_SQL = `INSERT INTO shadow_comparisons (request_id, instance, model, primary_version, shadow_version, primary_prediction,
  shadow_prediction, primary_score, shadow_score, primary_label, shadow_label, signed_diff, abs_diff, label_agree, primary_latency_ms,
  shadow_latency_ms, error, slices, created_at)
SELECT ${field('request_id')}, ${field('instance')}, ${field('model')}, ${version('primary_version')}, ${version('shadow_version')},
  json(${field('primary_prediction')}),
  CASE WHEN ${field('shadow_prediction')} IS NULL THEN NULL ELSE json(${field('shadow_prediction')}) END,
  ${field('primary_score')}, ${field('shadow_score')}, ${field('primary_label')}, ${field('shadow_label')}, ${field('signed_diff')},
  ${field('abs_diff')}, ${field('label_agree')}, ${field('primary_latency_ms')}, ${field('shadow_latency_ms')}, ${field('error')},
  json(${field('slices')}), ${field('created_at')}
FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`;

const SAMPLES_SQL = `INSERT INTO prediction_samples (request_id, instance, model, version, role, features, prediction, score, label,
  latency_ms, slices, created_at)
SELECT ${field('request_id')}, ${field('instance')}, ${field('model')}, ${version('version')}, ${field('role')}, json(${field('features')}),
  json(${field('prediction')}), ${field('score')}, ${field('label')}, ${field('latency_ms')},
  json(${field('slices')}), ${field('created_at')}
FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`;

const PROFILES_SQL = `INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq,
  min, max)
SELECT ${field('model')}, ${version('version')}, ${field('bucket')}, ${field('bucket_ms')}, ${field('feature')}, ${field('count')},
  ${field('nulls')}, ${field('invalid')}, ${field('sum')}, ${field('sum_sq')}, ${field('min')}, ${field('max')}
FROM json_each(?1) WHERE true
ON CONFLICT (model, version, bucket_ms, bucket, feature) DO UPDATE SET
  count = count + excluded.count, nulls = nulls + excluded.nulls, invalid = invalid + excluded.invalid, sum = sum + excluded.sum,
  sum_sq = sum_sq + excluded.sum_sq, min = coalesce(min(min, excluded.min), min, excluded.min),
  max = coalesce(max(max, excluded.max), max, excluded.max)`;

const BINS_SQL = `INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count)
SELECT json_extract(p.value, '$.model'), CAST(json_extract(p.value, '$.version') AS INTEGER), json_extract(p.value, '$.bucket'),
  json_extract(p.value, '$.bucket_ms'), json_extract(p.value, '$.feature'), b.key, b.value
FROM json_each(?1) AS p, json_each(p.value, '$.bins') AS b WHERE true
ON CONFLICT (model, version, bucket_ms, bucket, feature, bin) DO UPDATE SET count = count + excluded.count`;

const DROPPED_SQL = `INSERT INTO telemetry_counters (name, value, updated_at) VALUES ('dropped_in_isolates', ?1, ?2)
ON CONFLICT (name) DO UPDATE SET value = value + excluded.value, updated_at = excluded.updated_at`;

/**
 * The statements that apply one message, in order; the first records the message id and fails if the message
 * was applied before (the whole batch then rolls back).
 */
export function messageStatements(message: TelemetryMessage, now: number): SqlStatement[] {
  const comparisons: ShadowComparisonRecord[] = [];
  const samples: PredictionSampleRecord[] = [];
  const profiles: ProfileRecord[] = [];
  let dropped = 0;
  for (const r of message.records) {
    if (r.kind === 'comparison') comparisons.push(r);
    else if (r.kind === 'sample') samples.push(r);
    else if (r.kind === 'profile') profiles.push(r);
    else if (r.kind === 'dropped') dropped += r.records;
  }
  const statements: SqlStatement[] = [{ sql: 'INSERT INTO telemetry_batches (id, applied_at) VALUES (?1, ?2)', params: [message.id, now] }];
  if (comparisons.length) statements.push({ sql: COMPARISONS_SQL, params: [JSON.stringify(comparisons)] });
  if (samples.length) statements.push({ sql: SAMPLES_SQL, params: [JSON.stringify(samples)] });
  if (profiles.length) {
    const json = JSON.stringify(profiles);
    statements.push({ sql: PROFILES_SQL, params: [json] }, { sql: BINS_SQL, params: [json] });
  }
  if (dropped > 0) statements.push({ sql: DROPPED_SQL, params: [dropped, now] });
  return statements;
}

function alreadyApplied(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /telemetry_batches\.id/.test(text);
}

/**
 * Seconds before retry n (1-based): 30 s, 1, 2, 4, 8, 16, 32 minutes, then every hour. With wrangler.toml's 10
 * retries a message waits out about 4 hours of D1 trouble before it goes to the dead-letter queue (it used to be
 * about one minute).
 */
export function retryDelaySeconds(attempts: number, baseSeconds = 30): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempts - 1));
}

/** Seconds before a dead-lettered message is tried again: 10 minutes, doubling, at most 6 hours. */
export function deadLetterRetryDelaySeconds(attempts: number, baseSeconds = 600): number {
  return Math.min(6 * 3600, baseSeconds * 2 ** Math.max(0, attempts - 1));
}

/** Messages arrive as the JSON text the producer built (message-format.ts), or, from older producers and tests, as objects. */
function bodyOf(body: TelemetryMessage | string): TelemetryMessage {
  return decodeMessage(body);
}

export async function consumeTelemetry(batch: MessageBatch<TelemetryMessage | string>, deps: ConsumerDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  for (const message of batch.messages) {
    let id: string | undefined;
    try {
      const body = bodyOf(message.body);
      id = body.id;
      await deps.d1.batch(messageStatements(body, now()).map((s) => deps.d1.prepare(s.sql).bind(...s.params)));
      message.ack();
    } catch (error) {
      if (alreadyApplied(error)) {
        message.ack();
        continue;
      }
      if (message.attempts >= deps.maxAttempts && deps.deadLetters) {
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'telemetry message failed repeatedly; sent to the dead-letter queue',
            id,
            attempts: message.attempts,
            error: String(error),
          }),
        );
        try {
          await deps.deadLetters.send(message.body, { contentType: typeof message.body === 'string' ? 'text' : 'json' });
          message.ack();
        } catch (dlqError) {
          console.error(JSON.stringify({ level: 'error', message: 'dead-letter send failed; retrying', error: String(dlqError) }));
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts, deps.retryBaseSeconds) });
        }
        continue;
      }
      console.error(
        JSON.stringify({
          level: 'warn',
          message: 'telemetry message failed; will retry',
          id,
          attempts: message.attempts,
          error: String(error),
        }),
      );
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, deps.retryBaseSeconds) });
    }
  }
}

export interface DeadLetterDeps {
  d1: D1Database;
  /** First retry delay (doubling, at most 6 hours); 600 s by default. */
  retryBaseSeconds?: number;
  /** Attempts before a dead-lettered message is given up on (wrangler.toml max_retries + 1), counted as dropped. */
  maxAttempts: number;
  now?: () => number;
}

/**
 * The dead-letter queue's consumer: replays each message into D1 once D1 takes it again, recording it in
 * `dead_letters` (first seen, replayed or dropped), so dead-lettered telemetry is replayed, not forgotten, and
 * what is finally given up on is counted.
 */
export async function consumeDeadLetters(batch: MessageBatch<TelemetryMessage | string>, deps: DeadLetterDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const d1 = deps.d1;
  const seen = (id: string, records: number, at: number) =>
    d1
      .prepare('INSERT INTO dead_letters (id, records, first_seen_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING')
      .bind(id, records, at);
  for (const message of batch.messages) {
    let body: TelemetryMessage;
    try {
      body = bodyOf(message.body);
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', message: 'unreadable dead-lettered telemetry message; dropped', error: String(error) }),
      );
      message.ack();
      continue;
    }
    const at = now();
    const replayed = d1.prepare('UPDATE dead_letters SET replayed_at = ?2, last_error = NULL WHERE id = ?1').bind(body.id, at);
    try {
      await d1.batch([
        seen(body.id, body.records.length, at),
        ...messageStatements(body, at).map((s) => d1.prepare(s.sql).bind(...s.params)),
        replayed,
      ]);
      message.ack();
    } catch (error) {
      if (alreadyApplied(error)) {
        await d1.batch([seen(body.id, body.records.length, at), replayed]).catch(() => undefined);
        message.ack();
        continue;
      }
      const giveUp = message.attempts >= deps.maxAttempts;
      const note = d1
        .prepare(`UPDATE dead_letters SET last_error = ?2${giveUp ? ', dropped_at = ?3' : ''} WHERE id = ?1`)
        .bind(body.id, String(error).slice(0, 500), ...(giveUp ? [at] : []));
      await d1.batch([seen(body.id, body.records.length, at), note]).catch(() => undefined);
      if (giveUp) {
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'dead-lettered telemetry message given up on',
            id: body.id,
            records: body.records.length,
            attempts: message.attempts,
            error: String(error),
          }),
        );
        message.ack();
      } else {
        message.retry({ delaySeconds: deadLetterRetryDelaySeconds(message.attempts, deps.retryBaseSeconds) });
      }
    }
  }
}
