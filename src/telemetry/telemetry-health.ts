/**
 * What became of telemetry that did not go straight into its tables: messages that reached the dead-letter
 * queue (and whether they were replayed or given up on) and records serving isolates dropped while the queue
 * refused them. Shown in health, so a loss is never silent.
 *
 * @example
 * const t = await telemetryHealth(db); // { dead_lettered: { messages: 3, records: 1200 }, replayed: … }
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

export interface TelemetryHealth {
  /** Messages the dead-letter consumer has seen, with their records. */
  dead_lettered: { messages: number; records: number };
  replayed: { messages: number; records: number };
  /** Still in the dead-letter queue, waiting for D1. */
  waiting: { messages: number; records: number };
  /** Given up on after the dead-letter queue's retries: lost, and counted. */
  dropped: { messages: number; records: number };
  /** Records serving isolates dropped because the queue kept refusing them. */
  dropped_in_isolates: number;
}

export async function telemetryHealth(db: Database): Promise<TelemetryHealth> {
  const [letters] = await db.all<{ n: number; r: number; rn: number; rr: number; dn: number; dr: number }>(sql`
    SELECT count(*) AS n, coalesce(sum(records), 0) AS r,
           count(replayed_at) AS rn, coalesce(sum(CASE WHEN replayed_at IS NOT NULL THEN records END), 0) AS rr,
           count(dropped_at) AS dn, coalesce(sum(CASE WHEN dropped_at IS NOT NULL THEN records END), 0) AS dr
    FROM dead_letters`);
  const [counter] = await db.all<{ value: number }>(sql`SELECT value FROM telemetry_counters WHERE name = 'dropped_in_isolates'`);
  const l = letters ?? { n: 0, r: 0, rn: 0, rr: 0, dn: 0, dr: 0 };
  return {
    dead_lettered: { messages: l.n, records: l.r },
    replayed: { messages: l.rn, records: l.rr },
    waiting: { messages: l.n - l.rn - l.dn, records: l.r - l.rr - l.dr },
    dropped: { messages: l.dn, records: l.dr },
    dropped_in_isolates: counter?.value ?? 0,
  };
}
