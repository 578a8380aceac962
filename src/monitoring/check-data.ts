/**
 * What the health checks (and reports) read from D1, computed with SQL aggregates: window profiles, shadow
 * comparison statistics, quality on labelled feedback (MAE/RMSE, or AUC by rank sums, and accuracy), group
 * rates for bias, and the canary's prediction distribution. Nothing here loads raw rows into the Worker.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Manifest } from '../model/manifest.ts';
import { positiveLabel } from '../model/manifest.ts';
import { ERRORS_FEATURE, INSTANCES_FEATURE } from '../telemetry/profiles.ts';
import type { ProfileRecord } from '../telemetry/records.ts';
import { sliceDefinitions } from '../telemetry/slices.ts';
import type { BiasStats, GroupRates } from './checks/bias.ts';
import type { CanaryStats } from './checks/canary.ts';
import type { LabelledMetrics, QualityStats } from './checks/quality.ts';
import type { ShadowStats } from './checks/shadow.ts';
import type { CheckWindow, FeatureWindowStats, ProfileSnapshot } from './checks/types.ts';

/** Roles whose samples are predictions that were served to clients. */
const SERVED_ROLES = sql`('primary', 'canary', 'pinned')`;

export async function profileSnapshot(db: Database, model: string, version: string, window: CheckWindow): Promise<ProfileSnapshot> {
  const v = Number(version);
  const features = await db.all<Pick<ProfileRecord, 'feature' | 'count' | 'nulls' | 'invalid' | 'sum' | 'sum_sq' | 'min' | 'max'>>(sql`
    SELECT feature, sum(count) AS count, sum(nulls) AS nulls, sum(invalid) AS invalid, sum(sum) AS sum, sum(sum_sq) AS sum_sq,
           min(min) AS min, max(max) AS max
    FROM feature_profiles
    WHERE model = ${model} AND version = ${v} AND bucket >= ${window.from} AND bucket < ${window.to}
    GROUP BY feature`);
  const bins = await db.all<{ feature: string; bin: string; count: number }>(sql`
    SELECT feature, bin, sum(count) AS count
    FROM profile_bins
    WHERE model = ${model} AND version = ${v} AND bucket >= ${window.from} AND bucket < ${window.to}
    GROUP BY feature, bin`);
  const out = new Map<string, FeatureWindowStats>();
  for (const f of features) {
    out.set(f.feature, {
      count: f.count,
      nulls: f.nulls,
      invalid: f.invalid,
      sum: f.sum,
      sumSq: f.sum_sq,
      min: f.min,
      max: f.max,
      bins: {},
    });
  }
  for (const b of bins) {
    const stats = out.get(b.feature);
    if (stats) stats.bins[b.bin] = b.count;
  }
  return out;
}

/** Comparison statistics per shadow version of `model` in the window. */
export async function shadowStats(db: Database, model: string, window: CheckWindow, primaryVersion?: string): Promise<ShadowStats[]> {
  const primaryFilter = primaryVersion === undefined ? sql`` : sql`AND primary_version = ${Number(primaryVersion)}`;
  const rows = await db.all<{
    shadow_version: number;
    comparisons: number;
    errors: number;
    mean_abs_diff: number | null;
    max_abs_diff: number | null;
    mean_signed_diff: number | null;
    label_agreement: number | null;
    mean_primary_latency_ms: number | null;
    mean_shadow_latency_ms: number | null;
  }>(sql`
    SELECT shadow_version, count(*) AS comparisons, sum(error IS NOT NULL) AS errors,
           avg(abs_diff) AS mean_abs_diff, max(abs_diff) AS max_abs_diff, avg(signed_diff) AS mean_signed_diff,
           avg(label_agree) AS label_agreement, avg(primary_latency_ms) AS mean_primary_latency_ms,
           avg(shadow_latency_ms) AS mean_shadow_latency_ms
    FROM shadow_comparisons
    WHERE model = ${model} AND created_at >= ${window.from} AND created_at < ${window.to} ${primaryFilter}
    GROUP BY shadow_version ORDER BY shadow_version`);
  const out: ShadowStats[] = [];
  for (const r of rows) {
    out.push({
      shadowVersion: String(r.shadow_version),
      comparisons: r.comparisons,
      errors: r.errors,
      meanAbsDiff: r.mean_abs_diff,
      p95AbsDiff: await quantile(
        db,
        sql`shadow_comparisons`,
        sql`abs_diff`,
        sql`model = ${model} AND shadow_version = ${r.shadow_version} AND created_at >= ${window.from} AND created_at < ${window.to}
          AND abs_diff IS NOT NULL ${primaryFilter}`,
        0.95,
      ),
      maxAbsDiff: r.max_abs_diff,
      meanSignedDiff: r.mean_signed_diff,
      labelAgreement: r.label_agreement,
      meanPrimaryLatencyMs: r.mean_primary_latency_ms,
      meanShadowLatencyMs: r.mean_shadow_latency_ms,
    });
  }
  return out;
}

/** The q-quantile (nearest rank) of `column` over the rows of `table` matching `where`; null when none. */
export async function quantile(db: Database, table: SQL, column: SQL, where: SQL, q: number): Promise<number | null> {
  const [row] = await db.all<{ value: number | null }>(sql`
    SELECT ${column} AS value FROM ${table} WHERE ${where}
    ORDER BY ${column}
    LIMIT 1 OFFSET (SELECT max(0, CAST(${q} * count(*) AS INTEGER) - (CAST(${q} * count(*) AS INTEGER) = ${q} * count(*)))
      FROM ${table} WHERE ${where})`);
  return row?.value ?? null;
}

/** `json_extract(<column>, '$."<key>"')`, quoting the key so names like "native-country" work. */
export function sliceValue(column: SQL, key: string): SQL {
  return sql`json_extract(${column}, ${`$."${key.replace(/"/g, '')}"`})`;
}

interface LabelledRow {
  slice: string | null;
  n: number;
  positives: number | null;
  rank_sum: number | null;
  correct: number | null;
  abs_error: number | null;
  sq_error: number | null;
}

function toMetrics(task: Manifest['task'], r: LabelledRow): LabelledMetrics {
  if (task === 'regression') {
    return { n: r.n, metrics: { mae: r.n ? r.abs_error! / r.n : null, rmse: r.n ? Math.sqrt(r.sq_error! / r.n) : null } };
  }
  const accuracy = r.n ? r.correct! / r.n : null;
  if (task === 'multiclass_classification') return { n: r.n, metrics: { accuracy } };
  const pos = r.positives ?? 0;
  const neg = r.n - pos;
  const auc = pos > 0 && neg > 0 ? (r.rank_sum! - (pos * (pos + 1)) / 2) / (pos * neg) : null;
  return { n: r.n, positives: pos, metrics: { auc, accuracy } };
}

/**
 * Labelled metrics of the predictions joined with their feedback. `scoreColumn`/`labelColumn` name the
 * prediction (so shadow predictions in comparisons can be scored the same way), `from` is the table and join.
 */
export async function labelledMetrics(
  db: Database,
  manifest: Manifest,
  source: { from: SQL; score: SQL; predictedLabel: SQL; where: SQL; slices: SQL },
  sliceKey?: string,
): Promise<Map<string | null, LabelledMetrics>> {
  const slice = sliceKey === undefined ? sql`NULL` : sliceValue(source.slices, sliceKey);
  let rows: LabelledRow[];
  if (manifest.task === 'regression') {
    rows = await db.all<LabelledRow>(sql`
      SELECT ${slice} AS slice, count(*) AS n, NULL AS positives, NULL AS rank_sum, NULL AS correct,
             sum(abs(${source.score} - CAST(f.label AS REAL))) AS abs_error,
             sum((${source.score} - CAST(f.label AS REAL)) * (${source.score} - CAST(f.label AS REAL))) AS sq_error
      FROM ${source.from} WHERE ${source.where} GROUP BY 1`);
  } else if (positiveLabel(manifest) === undefined) {
    // Multiclass: the score is the predicted label's probability, which ranks no one class: accuracy only.
    rows = await db.all<LabelledRow>(sql`
      SELECT ${slice} AS slice, count(*) AS n, NULL AS positives, NULL AS rank_sum, sum(${source.predictedLabel} = f.label) AS correct,
             NULL AS abs_error, NULL AS sq_error
      FROM ${source.from} WHERE ${source.where} GROUP BY 1`);
  } else {
    const positive = positiveLabel(manifest)!;
    rows = await db.all<LabelledRow>(sql`
      WITH labelled AS (
        SELECT ${slice} AS slice, ${source.score} AS score, (f.label = ${positive}) AS y, (${source.predictedLabel} = f.label) AS correct
        FROM ${source.from} WHERE ${source.where}
      ), ranked AS (
        SELECT slice, y, correct,
               rank() OVER (PARTITION BY slice ORDER BY score) + (count(*) OVER (PARTITION BY slice, score) - 1) / 2.0 AS r
        FROM labelled
      )
      SELECT slice, count(*) AS n, sum(y) AS positives, sum(CASE WHEN y THEN r ELSE 0 END) AS rank_sum, sum(correct) AS correct,
             NULL AS abs_error, NULL AS sq_error
      FROM ranked GROUP BY slice`);
  }
  return new Map(rows.map((r) => [r.slice, toMetrics(manifest.task, r)]));
}

/** The served predictions of `version` that have feedback, as a labelled source. */
export function servedSource(model: string, version: string, window: CheckWindow) {
  return {
    from: sql`prediction_samples s JOIN feedback f ON f.model = s.model AND f.request_id = s.request_id AND f.instance = s.instance`,
    score: sql`s.score`,
    predictedLabel: sql`s.label`,
    where: sql`s.model = ${model} AND s.version = ${Number(version)} AND s.role IN ${SERVED_ROLES}
      AND s.created_at >= ${window.from} AND s.created_at < ${window.to}`,
    slices: sql`s.slices`,
  };
}

export async function qualityStats(
  db: Database,
  manifest: Manifest,
  model: string,
  version: string,
  window: CheckWindow,
): Promise<QualityStats> {
  const source = servedSource(model, version, window);
  const overall = (await labelledMetrics(db, manifest, source)).get(null) ?? { n: 0, metrics: {} };
  const slices: QualityStats['slices'] = [];
  for (const definition of sliceDefinitions(manifest)) {
    for (const [slice, stats] of await labelledMetrics(db, manifest, source, definition.feature)) {
      if (slice !== null) slices.push({ feature: definition.feature, slice, stats });
    }
  }
  return { overall, slices };
}

export async function biasStats(
  db: Database,
  manifest: Manifest,
  model: string,
  version: string,
  window: CheckWindow,
): Promise<BiasStats[]> {
  const positive = positiveLabel(manifest);
  if (positive === undefined) return [];
  const out: BiasStats[] = [];
  for (const attribute of manifest.monitoring.protected_attributes) {
    const group = sliceValue(sql`s.slices`, attribute);
    const rows = await db.all<{
      grp: string | null;
      n: number;
      predicted_positive: number;
      labelled_positives: number;
      true_positives: number;
    }>(sql`
      SELECT ${group} AS grp, count(*) AS n, sum(s.label = ${positive}) AS predicted_positive,
             sum(f.label = ${positive}) AS labelled_positives, sum(f.label = ${positive} AND s.label = ${positive}) AS true_positives
      FROM prediction_samples s LEFT JOIN feedback f ON f.model = s.model AND f.request_id = s.request_id AND f.instance = s.instance
      WHERE s.model = ${model} AND s.version = ${Number(version)} AND s.role IN ${SERVED_ROLES}
        AND s.created_at >= ${window.from} AND s.created_at < ${window.to}
      GROUP BY 1 ORDER BY 1`);
    const groups: GroupRates[] = rows
      .filter((r) => r.grp !== null)
      .map((r) => ({
        group: r.grp!,
        n: r.n,
        predictedPositiveRate: r.predicted_positive / r.n,
        labelledPositives: r.labelled_positives ?? 0,
        truePositiveRate: r.labelled_positives ? r.true_positives / r.labelled_positives : null,
      }));
    out.push({ attribute, groups });
  }
  return out;
}

/** `CASE WHEN score <= e0 THEN 0 … ELSE n END`: the decile bin of a score, in SQL. */
function binExpression(score: SQL, edges: readonly number[]): SQL {
  if (edges.length === 0) return sql`0`;
  const cases = edges.map((e, i) => sql`WHEN ${score} <= ${e} THEN ${i}`);
  return sql`CASE ${sql.join(cases, sql` `)} ELSE ${edges.length} END`;
}

export async function canaryStats(
  db: Database,
  model: string,
  primary: Manifest,
  canaryVersion: string,
  window: CheckWindow,
): Promise<CanaryStats> {
  const edges = primary.output.training.bin_edges;
  const bins = async (version: string, role: string) => {
    const rows = await db.all<{ bin: number; count: number }>(sql`
      SELECT ${binExpression(sql`score`, edges)} AS bin, count(*) AS count FROM prediction_samples
      WHERE model = ${model} AND version = ${Number(version)} AND role = ${role}
        AND created_at >= ${window.from} AND created_at < ${window.to}
      GROUP BY 1`);
    const out = new Array<number>(edges.length + 1).fill(0);
    for (const r of rows) out[r.bin] = r.count;
    return out;
  };
  const [served] = await db.all<{ count: number | null }>(sql`
    SELECT sum(count) AS count FROM feature_profiles
    WHERE model = ${model} AND version = ${Number(canaryVersion)} AND feature = ${INSTANCES_FEATURE}
      AND bucket >= ${window.from} AND bucket < ${window.to}`);
  const [errors] = await db.all<{ count: number | null }>(sql`
    SELECT sum(count) AS count FROM feature_profiles
    WHERE model = ${model} AND version = ${Number(canaryVersion)} AND feature = ${ERRORS_FEATURE}
      AND bucket >= ${window.from} AND bucket < ${window.to}`);
  return {
    canaryVersion,
    served: served?.count ?? 0,
    errors: errors?.count ?? 0,
    primaryBins: await bins(primary.version, 'primary'),
    canaryBins: await bins(canaryVersion, 'canary'),
  };
}
