/**
 * Retention (every cron run): raw telemetry — samples, shadow comparisons, feedback, health results, delivered
 * alerts — is deleted after `retentionDays` (default 30), in bounded batches so no statement runs long, taking
 * turns between tables until everything expired is gone or the run's time budget is spent. Running every five
 * minutes with a budget, it keeps pace with the write rate instead of a fixed daily cap (200k rows per table
 * before). Aggregate profiles are kept much longer (default 400 days); minute buckets older than two days are
 * rolled up into hourly buckets first, which keeps a year of profiles small.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface RetentionOptions {
  now: number;
  retentionDays: number;
  profileRetentionDays: number;
  /** Minute profile buckets older than this are rolled up into hourly ones. */
  rollupAfterHours?: number;
  batchSize?: number;
  /** Upper bound on delete batches per table per run; what is left goes to the next run. */
  maxBatches?: number;
  /** Milliseconds the deletes of one run may take (the cron's own limit is minutes); what is left goes next run. */
  budgetMs?: number;
  clock?: () => number;
}

export interface RetentionSummary {
  deleted: Record<string, number>;
  rolledUpBuckets: number;
  /** False when the budget or the batch cap ran out before every expired row was deleted. */
  complete: boolean;
  elapsedMs: number;
}

async function deleteBatch(db: Database, table: string, column: string, cutoff: number, batchSize: number): Promise<number> {
  const result = await db.run(
    sql`DELETE FROM ${sql.identifier(table)} WHERE rowid IN
      (SELECT rowid FROM ${sql.identifier(table)} WHERE ${sql.identifier(column)} < ${cutoff} LIMIT ${batchSize})`,
  );
  return (result as unknown as { meta?: { changes?: number } }).meta?.changes ?? 0;
}

/** An integer as a SQL literal (SQLite then divides integers as integers, and the statement has no bound parameters). */
function integerLiteral(n: number): SQL {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return sql.raw(String(n));
}

/**
 * Merges minute buckets older than `cutoff` into hourly buckets, in one transaction per run. The statements
 * carry their numbers as literals: Drizzle's D1 batch cannot bind parameters of raw statements.
 */
export async function rollUpProfiles(db: Database, cutoff: number): Promise<number> {
  const hourCutoff = Math.floor(cutoff / HOUR_MS) * HOUR_MS;
  const [count] = await db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM feature_profiles WHERE bucket_ms = ${MINUTE_MS} AND bucket < ${hourCutoff}`,
  );
  if (!count || count.n === 0) return 0;
  const hour = integerLiteral(HOUR_MS);
  const minute = integerLiteral(MINUTE_MS);
  const before = integerLiteral(hourCutoff);
  await db.batch([
    db.run(sql`
      INSERT INTO feature_profiles (model, version, bucket, bucket_ms, feature, count, nulls, invalid, sum, sum_sq, min, max)
      SELECT model, version, (bucket / ${hour}) * ${hour}, ${hour}, feature, sum(count), sum(nulls), sum(invalid), sum(sum), sum(sum_sq),
        min(min), max(max)
      FROM feature_profiles WHERE bucket_ms = ${minute} AND bucket < ${before}
      GROUP BY model, version, (bucket / ${hour}) * ${hour}, feature
      ON CONFLICT (model, version, bucket_ms, bucket, feature) DO UPDATE SET
        count = count + excluded.count, nulls = nulls + excluded.nulls, invalid = invalid + excluded.invalid,
        sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq,
        min = coalesce(min(min, excluded.min), min, excluded.min), max = coalesce(max(max, excluded.max), max, excluded.max)`),
    db.run(sql`
      INSERT INTO profile_bins (model, version, bucket, bucket_ms, feature, bin, count)
      SELECT model, version, (bucket / ${hour}) * ${hour}, ${hour}, feature, bin, sum(count)
      FROM profile_bins WHERE bucket_ms = ${minute} AND bucket < ${before}
      GROUP BY model, version, (bucket / ${hour}) * ${hour}, feature, bin
      ON CONFLICT (model, version, bucket_ms, bucket, feature, bin) DO UPDATE SET count = count + excluded.count`),
    db.run(sql`DELETE FROM feature_profiles WHERE bucket_ms = ${minute} AND bucket < ${before}`),
    db.run(sql`DELETE FROM profile_bins WHERE bucket_ms = ${minute} AND bucket < ${before}`),
  ]);
  return count.n;
}

export async function applyRetention(db: Database, options: RetentionOptions): Promise<RetentionSummary> {
  const batchSize = options.batchSize ?? 5000;
  const maxBatches = options.maxBatches ?? (options.budgetMs === undefined ? 40 : Infinity);
  const clock = options.clock ?? Date.now;
  const started = clock();
  const budgetMs = options.budgetMs ?? Infinity;
  const raw = options.now - options.retentionDays * DAY_MS;
  const profiles = options.now - options.profileRetentionDays * DAY_MS;
  const deleted: Record<string, number> = {};
  const targets: [string, string, number][] = [
    ['prediction_samples', 'created_at', raw],
    ['shadow_comparisons', 'created_at', raw],
    ['feedback', 'received_at', raw],
    ['health_checks', 'created_at', raw],
    ['alerts', 'created_at', raw],
    // Message ids only need to outlive queue redelivery (messages live at most 14 days).
    ['telemetry_batches', 'applied_at', options.now - 15 * DAY_MS],
    ['feature_profiles', 'bucket', profiles],
    ['profile_bins', 'bucket', profiles],
  ];
  // Tables take turns, one batch each, so a table with a large backlog does not starve the others.
  const tables = targets.map(([table, column, cutoff]) => ({ table, column, cutoff, batches: 0, done: false }));
  for (const t of tables) deleted[t.table] = 0;
  let pending = tables;
  while (pending.length > 0 && clock() - started < budgetMs) {
    for (const t of pending) {
      const changes = await deleteBatch(db, t.table, t.column, t.cutoff, batchSize);
      deleted[t.table]! += changes;
      t.batches++;
      if (changes < batchSize) t.done = true;
      if (clock() - started >= budgetMs) break;
    }
    pending = pending.filter((t) => !t.done && t.batches < maxBatches);
  }
  const rolledUpBuckets = await rollUpProfiles(db, options.now - (options.rollupAfterHours ?? 48) * HOUR_MS);
  return { deleted, rolledUpBuckets, complete: tables.every((t) => t.done), elapsedMs: clock() - started };
}
