/**
 * SQL aggregates behind the reports (beyond those the health checks share, in monitoring/check-data.ts).
 * Every number is computed by D1; no raw rows are loaded into the Worker.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { labelledMetrics, quantile, sliceValue } from '../monitoring/check-data.ts';
import type { LabelledMetrics } from '../monitoring/checks/quality.ts';
import type { CheckWindow } from '../monitoring/checks/types.ts';
import type { Manifest } from '../model/manifest.ts';
import { ERRORS_FEATURE, INSTANCES_FEATURE } from '../telemetry/profiles.ts';

export interface DiffSummary {
  comparisons: number;
  errors: number;
  mean_abs_diff: number | null;
  median_abs_diff: number | null;
  p95_abs_diff: number | null;
  max_abs_diff: number | null;
  mean_signed_diff: number | null;
  label_agreement: number | null;
}

export interface LatencySummary {
  p50_ms: number | null;
  p95_ms: number | null;
  mean_ms: number | null;
}

/**
 * Comparisons of `shadowVersion` with `primaryVersion` in the window. Filtering on the primary keeps rows
 * compared with a former primary (before a promotion or rollback in the window) out of the numbers.
 */
function comparisonsWhere(model: string, primaryVersion: string, shadowVersion: string, window: CheckWindow, extra: SQL = sql``): SQL {
  return sql`model = ${model} AND primary_version = ${Number(primaryVersion)} AND shadow_version = ${Number(shadowVersion)}
    AND created_at >= ${window.from} AND created_at < ${window.to} ${extra}`;
}

export async function shadowDiffSummary(
  db: Database,
  model: string,
  primaryVersion: string,
  shadowVersion: string,
  window: CheckWindow,
): Promise<DiffSummary> {
  const where = comparisonsWhere(model, primaryVersion, shadowVersion, window);
  const [row] = await db.all<{
    n: number;
    errors: number;
    mean_abs: number | null;
    max_abs: number | null;
    mean_signed: number | null;
    agreement: number | null;
  }>(sql`
    SELECT count(*) AS n, coalesce(sum(error IS NOT NULL), 0) AS errors, avg(abs_diff) AS mean_abs, max(abs_diff) AS max_abs,
           avg(signed_diff) AS mean_signed, avg(label_agree) AS agreement
    FROM shadow_comparisons WHERE ${where}`);
  const withDiff = sql`${where} AND abs_diff IS NOT NULL`;
  return {
    comparisons: row?.n ?? 0,
    errors: row?.errors ?? 0,
    mean_abs_diff: row?.mean_abs ?? null,
    median_abs_diff: await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, withDiff, 0.5),
    p95_abs_diff: await quantile(db, sql`shadow_comparisons`, sql`abs_diff`, withDiff, 0.95),
    max_abs_diff: row?.max_abs ?? null,
    mean_signed_diff: row?.mean_signed ?? null,
    label_agreement: row?.agreement ?? null,
  };
}

export async function shadowLatency(
  db: Database,
  model: string,
  primaryVersion: string,
  shadowVersion: string,
  window: CheckWindow,
  column: 'primary_latency_ms' | 'shadow_latency_ms',
): Promise<LatencySummary> {
  const where = sql`${comparisonsWhere(model, primaryVersion, shadowVersion, window)} AND ${sql.identifier(column)} IS NOT NULL`;
  const [row] = await db.all<{ mean: number | null }>(
    sql`SELECT avg(${sql.identifier(column)}) AS mean FROM shadow_comparisons WHERE ${where}`,
  );
  return {
    p50_ms: await quantile(db, sql`shadow_comparisons`, sql`${sql.identifier(column)}`, where, 0.5),
    p95_ms: await quantile(db, sql`shadow_comparisons`, sql`${sql.identifier(column)}`, where, 0.95),
    mean_ms: row?.mean ?? null,
  };
}

/** Counts of (primary label, shadow label) pairs. */
export async function shadowConfusion(
  db: Database,
  model: string,
  primaryVersion: string,
  shadowVersion: string,
  window: CheckWindow,
): Promise<{ primary: string; shadow: string; count: number }[]> {
  return db.all(sql`
    SELECT primary_label AS "primary", shadow_label AS shadow, count(*) AS count FROM shadow_comparisons
    WHERE ${comparisonsWhere(model, primaryVersion, shadowVersion, window)} AND shadow_label IS NOT NULL
    GROUP BY primary_label, shadow_label ORDER BY primary_label, shadow_label`);
}

export interface SliceDiffRow {
  slice: string | null;
  comparisons: number;
  mean_abs_diff: number | null;
  mean_signed_diff: number | null;
  label_agreement: number | null;
  errors: number;
}

export async function shadowBySlice(
  db: Database,
  model: string,
  primaryVersion: string,
  shadowVersion: string,
  window: CheckWindow,
  attribute: string,
): Promise<SliceDiffRow[]> {
  return db.all<SliceDiffRow>(sql`
    SELECT ${sliceValue(sql`slices`, attribute)} AS slice, count(*) AS comparisons, avg(abs_diff) AS mean_abs_diff,
           avg(signed_diff) AS mean_signed_diff, avg(label_agree) AS label_agreement, coalesce(sum(error IS NOT NULL), 0) AS errors
    FROM shadow_comparisons WHERE ${comparisonsWhere(model, primaryVersion, shadowVersion, window)}
    GROUP BY 1 ORDER BY 1`);
}

/** A histogram of absolute differences over `bins` equal-width bins up to the maximum. */
export async function shadowDiffHistogram(
  db: Database,
  model: string,
  primaryVersion: string,
  shadowVersion: string,
  window: CheckWindow,
  max: number | null,
  bins = 20,
): Promise<{ lower: number; upper: number; count: number }[]> {
  if (max === null || !(max > 0)) return [];
  const width = max / bins;
  const rows = await db.all<{ bin: number; count: number }>(sql`
    SELECT min(${bins - 1}, CAST(abs_diff / ${width} AS INTEGER)) AS bin, count(*) AS count FROM shadow_comparisons
    WHERE ${comparisonsWhere(model, primaryVersion, shadowVersion, window)} AND abs_diff IS NOT NULL GROUP BY 1`);
  const counts = new Array<number>(bins).fill(0);
  for (const r of rows) counts[r.bin] = r.count;
  return counts.map((count, i) => ({ lower: i * width, upper: (i + 1) * width, count }));
}

/**
 * Both versions' quality on the same shadowed, labelled instances, and the paired statistics the verdict
 * rests on: for regression the per-instance difference of absolute errors (shadow - primary); for
 * classification McNemar's counts of instances only one of the two classified correctly.
 */
export interface PairedQuality {
  n: number;
  primary: LabelledMetrics;
  shadow: LabelledMetrics;
  /** Regression: mean and variance of |e_shadow| - |e_primary|. */
  mean_error_difference?: number | null;
  variance_error_difference?: number | null;
  /** Classification: primary right & shadow wrong (b), primary wrong & shadow right (c). */
  only_primary_correct?: number;
  only_shadow_correct?: number;
}

export async function pairedQuality(
  db: Database,
  primary: Manifest,
  model: string,
  shadowVersion: string,
  window: CheckWindow,
): Promise<PairedQuality> {
  const join = sql`shadow_comparisons c JOIN feedback f ON f.model = c.model AND f.request_id = c.request_id AND f.instance = c.instance`;
  const where = sql`c.model = ${model} AND c.primary_version = ${Number(primary.version)} AND c.shadow_version = ${Number(shadowVersion)}
    AND c.created_at >= ${window.from} AND c.created_at < ${window.to} AND c.error IS NULL`;
  const primarySide = (
    await labelledMetrics(db, primary, {
      from: join,
      score: sql`c.primary_score`,
      predictedLabel: sql`c.primary_label`,
      where,
      slices: sql`c.slices`,
    })
  ).get(null) ?? { n: 0, metrics: {} };
  const shadowSide = (
    await labelledMetrics(db, primary, {
      from: join,
      score: sql`c.shadow_score`,
      predictedLabel: sql`c.shadow_label`,
      where,
      slices: sql`c.slices`,
    })
  ).get(null) ?? { n: 0, metrics: {} };
  if (primary.task === 'regression') {
    const [row] = await db.all<{ n: number; sum_d: number | null; sum_d2: number | null }>(sql`
      SELECT count(*) AS n, sum(d) AS sum_d, sum(d * d) AS sum_d2 FROM (
        SELECT abs(c.shadow_score - CAST(f.label AS REAL)) - abs(c.primary_score - CAST(f.label AS REAL)) AS d
        FROM ${join} WHERE ${where})`);
    const n = row?.n ?? 0;
    const mean = n > 0 ? row!.sum_d! / n : null;
    const variance = n > 1 && mean !== null ? (row!.sum_d2! - n * mean * mean) / (n - 1) : null;
    return { n, primary: primarySide, shadow: shadowSide, mean_error_difference: mean, variance_error_difference: variance };
  }
  const [row] = await db.all<{ n: number; b: number | null; c: number | null }>(sql`
    SELECT count(*) AS n, sum(c.primary_label = f.label AND c.shadow_label <> f.label) AS b,
           sum(c.primary_label <> f.label AND c.shadow_label = f.label) AS c
    FROM ${join} WHERE ${where}`);
  return { n: row?.n ?? 0, primary: primarySide, shadow: shadowSide, only_primary_correct: row?.b ?? 0, only_shadow_correct: row?.c ?? 0 };
}

/** Instances served and failed per version in the window (from the profiles, which count all traffic). */
export async function trafficByVersion(
  db: Database,
  model: string,
  window: CheckWindow,
): Promise<{ version: string; served: number; rejected: number; errors: number }[]> {
  const rows = await db.all<{ version: number; feature: string; count: number; invalid: number }>(sql`
    SELECT version, feature, sum(count) AS count, sum(invalid) AS invalid FROM feature_profiles
    WHERE model = ${model} AND feature IN (${INSTANCES_FEATURE}, ${ERRORS_FEATURE}) AND bucket >= ${window.from} AND bucket < ${window.to}
    GROUP BY version, feature ORDER BY version`);
  const out = new Map<string, { version: string; served: number; rejected: number; errors: number }>();
  for (const r of rows) {
    const v = String(r.version);
    const entry = out.get(v) ?? { version: v, served: 0, rejected: 0, errors: 0 };
    if (r.feature === INSTANCES_FEATURE) {
      entry.served = r.count;
      entry.rejected = r.invalid;
    } else entry.errors = r.count;
    out.set(v, entry);
  }
  return [...out.values()];
}

export async function sampleLatency(
  db: Database,
  model: string,
  version: string,
  role: string,
  window: CheckWindow,
): Promise<LatencySummary & { samples: number }> {
  const where = sql`model = ${model} AND version = ${Number(version)} AND role = ${role}
    AND created_at >= ${window.from} AND created_at < ${window.to}`;
  const [row] = await db.all<{ n: number; mean: number | null }>(
    sql`SELECT count(*) AS n, avg(latency_ms) AS mean FROM prediction_samples WHERE ${where}`,
  );
  return {
    samples: row?.n ?? 0,
    p50_ms: await quantile(db, sql`prediction_samples`, sql`latency_ms`, where, 0.5),
    p95_ms: await quantile(db, sql`prediction_samples`, sql`latency_ms`, where, 0.95),
    mean_ms: row?.mean ?? null,
  };
}

/** Labelled metrics of `version` per time bucket of `bucketMs` (quality over time). */
export async function qualityOverTime(
  db: Database,
  manifest: Manifest,
  model: string,
  version: string,
  window: CheckWindow,
  bucketMs: number,
): Promise<{ from: string; stats: LabelledMetrics }[]> {
  const source = {
    from: sql`prediction_samples s JOIN feedback f ON f.model = s.model AND f.request_id = s.request_id AND f.instance = s.instance`,
    score: sql`s.score`,
    predictedLabel: sql`s.label`,
    where: sql`s.model = ${model} AND s.version = ${Number(version)} AND s.role IN ('primary', 'canary', 'pinned')
      AND s.created_at >= ${window.from} AND s.created_at < ${window.to}`,
    slices: sql`json_object('t', CAST(CAST(s.created_at / ${bucketMs} AS INTEGER) * ${bucketMs} AS TEXT))`,
  };
  const byBucket = await labelledMetrics(db, manifest, source, 't');
  return [...byBucket.entries()]
    .filter(([t]) => t !== null)
    .map(([t, stats]) => ({ from: new Date(Number(t)).toISOString(), stats }))
    .sort((a, b) => a.from.localeCompare(b.from));
}
