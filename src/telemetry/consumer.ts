/**
 * The TELEMETRY queue consumer: writes each message's records to D1 in one transaction (a D1 batch of
 * multi-row statements, each within D1's 100 bound parameters). Applying a message is idempotent: its id is
 * recorded in the same transaction, and samples and comparisons are keyed by request id and version, so a
 * redelivered message changes nothing. Failed messages are retried with backoff; after `maxAttempts` they go
 * to the dead-letter queue instead of being dropped.
 */
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database } from '../db/client.ts';
import { featureProfiles, predictionSamples, profileBins, shadowComparisons, telemetryBatches } from '../db/schema.ts';
import type { PredictionSampleRecord, ProfileRecord, ShadowComparisonRecord, TelemetryMessage } from './records.ts';

/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMETERS = 100;

export interface ConsumerDeps {
  db: Database;
  deadLetters?: Queue<TelemetryMessage>;
  maxAttempts: number;
  now?: () => number;
}

export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columns));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function columnCount(table: SQLiteTable): number {
  return Object.keys(getTableColumns(table)).length;
}

function comparisonRow(r: ShadowComparisonRecord) {
  return {
    requestId: r.request_id,
    instance: r.instance,
    model: r.model,
    primaryVersion: Number(r.primary_version),
    shadowVersion: Number(r.shadow_version),
    primaryPrediction: JSON.stringify(r.primary_prediction),
    shadowPrediction: r.shadow_prediction ? JSON.stringify(r.shadow_prediction) : null,
    primaryScore: r.primary_score,
    shadowScore: r.shadow_score,
    primaryLabel: r.primary_label,
    shadowLabel: r.shadow_label,
    signedDiff: r.signed_diff,
    absDiff: r.abs_diff,
    labelAgree: r.label_agree,
    primaryLatencyMs: r.primary_latency_ms,
    shadowLatencyMs: r.shadow_latency_ms,
    error: r.error,
    slices: JSON.stringify(r.slices),
    createdAt: r.created_at,
  };
}

function sampleRow(r: PredictionSampleRecord) {
  return {
    requestId: r.request_id,
    instance: r.instance,
    model: r.model,
    version: Number(r.version),
    role: r.role,
    features: JSON.stringify(r.features),
    prediction: JSON.stringify(r.prediction),
    score: r.score,
    label: r.label,
    latencyMs: r.latency_ms,
    slices: JSON.stringify(r.slices),
    createdAt: r.created_at,
  };
}

const add = (column: SQLiteColumn): SQL => sql`${sql.identifier(column.name)} + excluded.${sql.identifier(column.name)}`;
const least = (column: SQLiteColumn): SQL =>
  sql`coalesce(min(${sql.identifier(column.name)}, excluded.${sql.identifier(column.name)}), ${sql.identifier(column.name)}, excluded.${sql.identifier(column.name)})`;
const greatest = (column: SQLiteColumn): SQL =>
  sql`coalesce(max(${sql.identifier(column.name)}, excluded.${sql.identifier(column.name)}), ${sql.identifier(column.name)}, excluded.${sql.identifier(column.name)})`;

/** The statements that apply one message; the first records its id and fails if it was applied before. */
export function messageStatements(db: Database, message: TelemetryMessage, now: number): BatchItem<'sqlite'>[] {
  const comparisons: ShadowComparisonRecord[] = [];
  const samples: PredictionSampleRecord[] = [];
  const profiles: ProfileRecord[] = [];
  for (const r of message.records) {
    if (r.kind === 'comparison') comparisons.push(r);
    else if (r.kind === 'sample') samples.push(r);
    else if (r.kind === 'profile') profiles.push(r);
  }
  const statements: BatchItem<'sqlite'>[] = [db.insert(telemetryBatches).values({ id: message.id, appliedAt: now })];
  for (const rows of chunk(comparisons.map(comparisonRow), rowsPerStatement(columnCount(shadowComparisons)))) {
    statements.push(db.insert(shadowComparisons).values(rows).onConflictDoNothing());
  }
  for (const rows of chunk(samples.map(sampleRow), rowsPerStatement(columnCount(predictionSamples)))) {
    statements.push(db.insert(predictionSamples).values(rows).onConflictDoNothing());
  }
  const profileRows = profiles.map((p) => ({
    model: p.model,
    version: Number(p.version),
    bucket: p.bucket,
    bucketMs: p.bucket_ms,
    feature: p.feature,
    count: p.count,
    nulls: p.nulls,
    invalid: p.invalid,
    sum: p.sum,
    sumSq: p.sum_sq,
    min: p.min,
    max: p.max,
  }));
  for (const rows of chunk(profileRows, rowsPerStatement(columnCount(featureProfiles)))) {
    statements.push(
      db
        .insert(featureProfiles)
        .values(rows)
        .onConflictDoUpdate({
          target: [featureProfiles.model, featureProfiles.version, featureProfiles.bucketMs, featureProfiles.bucket, featureProfiles.feature],
          set: {
            count: add(featureProfiles.count),
            nulls: add(featureProfiles.nulls),
            invalid: add(featureProfiles.invalid),
            sum: add(featureProfiles.sum),
            sumSq: add(featureProfiles.sumSq),
            min: least(featureProfiles.min),
            max: greatest(featureProfiles.max),
          },
        }),
    );
  }
  const binRows = profiles.flatMap((p) =>
    Object.entries(p.bins).map(([bin, count]) => ({ model: p.model, version: Number(p.version), bucket: p.bucket, bucketMs: p.bucket_ms, feature: p.feature, bin, count })),
  );
  for (const rows of chunk(binRows, rowsPerStatement(columnCount(profileBins)))) {
    statements.push(
      db
        .insert(profileBins)
        .values(rows)
        .onConflictDoUpdate({
          target: [profileBins.model, profileBins.version, profileBins.bucketMs, profileBins.bucket, profileBins.feature, profileBins.bin],
          set: { count: add(profileBins.count) },
        }),
    );
  }
  return statements;
}

function alreadyApplied(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /telemetry_batches\.id/.test(text);
}

/** Seconds before retry n (1-based): 2, 4, 8, … capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.max(1, attempts));
}

export async function consumeTelemetry(batch: MessageBatch<TelemetryMessage>, deps: ConsumerDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  for (const message of batch.messages) {
    try {
      const statements = messageStatements(deps.db, message.body, now());
      await deps.db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
      message.ack();
    } catch (error) {
      if (alreadyApplied(error)) {
        message.ack();
        continue;
      }
      if (message.attempts >= deps.maxAttempts && deps.deadLetters) {
        console.error(JSON.stringify({ level: 'error', message: 'telemetry message failed repeatedly; sent to the dead-letter queue', id: message.body?.id, attempts: message.attempts, error: String(error) }));
        try {
          await deps.deadLetters.send(message.body, { contentType: 'json' });
          message.ack();
        } catch (dlqError) {
          console.error(JSON.stringify({ level: 'error', message: 'dead-letter send failed; retrying', error: String(dlqError) }));
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
        }
        continue;
      }
      console.error(JSON.stringify({ level: 'warn', message: 'telemetry message failed; will retry', id: message.body?.id, attempts: message.attempts, error: String(error) }));
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
