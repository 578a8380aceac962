/**
 * What Vigil's telemetry left in D1 after the load: rows per table once the isolate's buffers have flushed and
 * the queue has drained into D1 through the telemetry Worker (in its own workerd), and, per model, the instances
 * its feature profiles counted (they cover 100 % of traffic: every answered instance is counted once in
 * `__instances__`) against the instances Vigil answered. `telemetryCensus` reads D1; `completeness` is pure.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CENSUS_TABLES = [
  'prediction_samples',
  'shadow_comparisons',
  'feature_profiles',
  'profile_bins',
  'telemetry_batches',
  'dead_letters',
] as const;

/** The few D1 calls the census makes (Miniflare's D1 binding). */
export interface CensusDatabase {
  prepare(sql: string): { bind(...values: unknown[]): { all<T>(): Promise<{ results: T[] }> }; first<T>(): Promise<T | null> };
}

export interface TelemetryCensus {
  /** Rows per table, and `dropped_in_isolates`: telemetry records the serving isolates dropped and counted. */
  rows: Record<string, number>;
  /** Instances counted in the primary version's profiles, per model. */
  profiledInstances: Record<string, number>;
  /** Instances Vigil answered with a 2xx, per model (warm-ups and golden checks included). */
  servedInstances: Record<string, number>;
  /**
   * profiled / served per model: 1 when every answered instance reached D1. It can exceed 1 by a little: the
   * load generator does not count answers still in flight when a load run stops, which Vigil served and profiled.
   */
  completeness: Record<string, number | null>;
  d1Bytes: number;
  /** Whether the queue had stopped delivering before the count was taken. */
  drained: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bytes of the files under `dir` (recursively). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return total;
}

/** profiled / served for each model that was served (null when nothing was). */
export function completeness(
  profiled: Readonly<Record<string, number>>,
  served: Readonly<Record<string, number>>,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [model, n] of Object.entries(served)) out[model] = n > 0 ? (profiled[model] ?? 0) / n : null;
  return out;
}

/**
 * Records reach D1 at most TELEMETRY_FLUSH_MS (5 s) after the request in the isolate's buffer plus the queue's
 * max_batch_timeout (5 s) later: the census first waits that long, then until the batch count holds for two
 * reads 3 s apart, then counts. `primaries` maps each model to the version whose profiles are counted.
 */
export const TELEMETRY_SETTLE_MS = 11_000;

export async function telemetryCensus(
  db: CensusDatabase,
  persistPath: string,
  primaries: Readonly<Record<string, string>>,
  servedInstances: Readonly<Record<string, number>>,
): Promise<TelemetryCensus> {
  const count = async (table: string) => Number((await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0);
  await sleep(TELEMETRY_SETTLE_MS);
  let last = -1;
  let stable = 0;
  let drained = false;
  for (let i = 0; i < 15 && !drained; i++) {
    const n = await count('telemetry_batches');
    stable = n === last ? stable + 1 : 0;
    drained = stable >= 2;
    last = n;
    if (!drained) await sleep(3000);
  }
  const rows: Record<string, number> = {};
  for (const table of CENSUS_TABLES) rows[table] = await count(table).catch(() => -1);
  // Not a table: the records isolates dropped (sends too slow or failing, their buffer full), counted in D1.
  rows.dropped_in_isolates = await db
    .prepare("SELECT coalesce(max(value), 0) AS n FROM telemetry_counters WHERE name = 'dropped_in_isolates'")
    .first<{ n: number }>()
    .then((row) => Number(row?.n ?? 0))
    .catch(() => -1);
  const profiledInstances: Record<string, number> = {};
  for (const [model, version] of Object.entries(primaries)) {
    const { results } = await db
      .prepare(
        'SELECT coalesce(sum(count), 0) AS n FROM feature_profiles ' +
          "WHERE model = ? AND version = ? AND feature = '__instances__' AND bucket_ms = 60000",
      )
      .bind(model, Number(version))
      .all<{ n: number }>();
    profiledInstances[model] = Number(results[0]?.n ?? 0);
  }
  let d1Bytes = 0;
  try {
    d1Bytes = directoryBytes(join(persistPath, 'd1'));
  } catch {
    d1Bytes = directoryBytes(persistPath);
  }
  return {
    rows,
    profiledInstances,
    servedInstances: { ...servedInstances },
    completeness: completeness(profiledInstances, servedInstances),
    d1Bytes,
    drained,
  };
}
