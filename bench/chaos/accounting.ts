/**
 * Telemetry accounting of one chaos phase: the rows each answered prediction must leave in D1 (one sample per
 * instance at sample rate 1; one comparison per instance when the primary served it and the shadow runs on every
 * request), the rows found, and what Vigil counted as dropped or still waiting. Pure.
 */

export interface TableAccount {
  table: 'prediction_samples' | 'shadow_comparisons';
  /** Rows the answered predictions must produce. */
  sent: number;
  /** Of those, rows found in D1. */
  stored: number;
  /** sent − stored. */
  missing: number;
  /**
   * Rows of the phase for requests that were not answered 2xx: requests in flight when the load generator stopped
   * (their responses were never read) or answered after the client gave up. Not part of `sent`.
   */
  extra: number;
}

/** Records Vigil reports as not (yet) in their tables, from /admin/health before and after the phase. */
export interface CountedRecords {
  /** Dropped by isolates while the queue refused them (`dropped_in_isolates`). Includes profile records. */
  droppedInIsolates: number;
  /** Dead-lettered and still waiting for replay (not lost: replayed later). */
  waitingInDeadLetterQueue: number;
  /** Given up on after the dead-letter queue's retries. */
  droppedFromDeadLetterQueue: number;
}

export interface TelemetryAccount {
  samples: TableAccount;
  comparisons: TableAccount;
  counted: CountedRecords;
  countedTotal: number;
  /** Missing rows not covered by a count: sent − stored − counted, at least 0. Target 0. */
  lost: number;
}

export interface Expectation {
  /** Instances per request. */
  instances: number;
  /** Whether a request answered by `version` also produces comparisons. */
  compared(version: string): boolean;
}

/** Stored rows per request id (from `SELECT request_id, count(*) … GROUP BY request_id`). */
export type StoredRows = ReadonlyMap<string, number>;

export function tableAccount(
  table: TableAccount['table'],
  answered: ReadonlyMap<string, string>,
  stored: StoredRows,
  expects: (version: string) => number,
): TableAccount {
  let sent = 0;
  let found = 0;
  for (const [id, version] of answered) {
    const want = expects(version);
    if (want === 0) continue;
    sent += want;
    found += Math.min(want, stored.get(id) ?? 0);
  }
  let extra = 0;
  for (const [id, n] of stored) if (!answered.has(id)) extra += n;
  return { table, sent, stored: found, missing: sent - found, extra };
}

export function countedDelta(before: CountedRecords, after: CountedRecords): CountedRecords {
  return {
    droppedInIsolates: after.droppedInIsolates - before.droppedInIsolates,
    waitingInDeadLetterQueue: after.waitingInDeadLetterQueue - before.waitingInDeadLetterQueue,
    droppedFromDeadLetterQueue: after.droppedFromDeadLetterQueue - before.droppedFromDeadLetterQueue,
  };
}

export function telemetryAccount(
  answered: ReadonlyMap<string, string>,
  samples: StoredRows,
  comparisons: StoredRows,
  expectation: Expectation,
  counted: CountedRecords,
): TelemetryAccount {
  const s = tableAccount('prediction_samples', answered, samples, () => expectation.instances);
  const c = tableAccount('shadow_comparisons', answered, comparisons, (v) => (expectation.compared(v) ? expectation.instances : 0));
  const countedTotal =
    Math.max(0, counted.droppedInIsolates) +
    Math.max(0, counted.waitingInDeadLetterQueue) +
    Math.max(0, counted.droppedFromDeadLetterQueue);
  return { samples: s, comparisons: c, counted, countedTotal, lost: Math.max(0, s.missing + c.missing - countedTotal) };
}

/** Upper bound (exclusive) of ids starting with `prefix-`: `prefix.` ('.' follows '-' in ASCII). */
export function prefixRange(prefix: string): [string, string] {
  return [`${prefix}-`, `${prefix}.`];
}
