/**
 * Why predictions moved, for the drift and shadow reports: logged instances explained (src/explain/) and the
 * change of each feature's mean contribution between two sets — the previous window and this one (drift: the
 * same version on different traffic), or the primary and a shadow on the same requests (shadow: different
 * versions on the same traffic). The per-feature shifts add up to the change of the mean explained output, so
 * the on-call engineer sees which input an alert comes from.
 *
 * @example
 * const attribution = await attributeWindows(db, served, model, previousWindow, currentWindow);
 * // attribution.features[0] → { feature: 'median_income', shift: [-8120.4], mean_abs: {…} }
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { predictionSamples, shadowComparisons } from '../db/schema.ts';
import { attributeShift, summarizeExplanations, type Explainer, type ExplanationSummary } from '../explain/index.ts';
import { FieldErrors, type Row } from '../model/instance-validator.ts';
import type { CheckWindow } from '../monitoring/checks/types.ts';
import type { ExplainMethodChoice, ServedModel } from '../serving/served-model.ts';

/** Logged instances explained per side: enough for stable means, few enough for a report computed on request. */
export const ATTRIBUTION_ROWS = 100;
/** When the versions' exact explanations are not comparable, both are estimated by sampling: fewer rows. */
export const SAMPLED_ATTRIBUTION_ROWS = 40;
const SAMPLING_BUDGET = { permutations: 32, timeMs: 40 };

export interface FeatureShift {
  feature: string;
  /** Change of the feature's mean contribution, per output (current − reference). */
  shift: number[];
  /** Mean |contribution| per output, on each side. */
  mean_abs: { reference: number[]; current: number[] };
}

export type Attribution =
  | {
      status: 'ok';
      method: string;
      space: string;
      outputs: readonly string[];
      rows: { reference: number; current: number };
      /** Change of the mean explained output, and the part the features explain (the rest is the base value's). */
      prediction_shift: number[];
      base_shift: number[];
      /** Largest shift first. */
      features: FeatureShift[];
      /** Features stored hashed (PII): explained as if absent. */
      hashed_features: string[];
      skipped_rows: number;
    }
  | { status: 'insufficient_data' | 'unavailable'; reason: string };

/** An attribution, or why there is none: a report is never lost to a version that cannot be loaded or explained. */
export async function attributionOrReason(task: () => Promise<Attribution>): Promise<Attribution> {
  try {
    return await task();
  } catch (error) {
    return { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Drift: the primary version's logged instances of the previous window against this one. */
export async function attributeWindows(
  db: Database,
  served: ServedModel,
  previous: CheckWindow,
  current: CheckWindow,
): Promise<Attribution> {
  const reference = await loggedRows(db, served, previous, ATTRIBUTION_ROWS);
  const recent = await loggedRows(db, served, current, ATTRIBUTION_ROWS);
  if (reference.rows.length === 0 || recent.rows.length === 0) {
    const skipped = reference.skipped + recent.skipped;
    return {
      status: 'insufficient_data',
      reason:
        `no logged instances of version ${served.version} in ` +
        `${reference.rows.length === 0 ? 'the previous window' : 'this window'} to explain` +
        `${skipped ? ` (${skipped} no longer validate)` : ''}`,
    };
  }
  const explainer = await explainerOrReason(served, 'auto');
  if (typeof explainer === 'string') return { status: 'unavailable', reason: explainer };
  return compare(explainer, explainer, reference.rows, recent.rows, [...reference.hashed], reference.skipped + recent.skipped);
}

/**
 * Shadow: the primary's and the shadow's explanations of the same logged requests. Exact explanations compare
 * when both are in the served output's own units (regression without a link); otherwise (a logistic margin
 * against tree scores) both versions are estimated by sampling in the served output's space.
 */
export async function attributeVersions(
  db: Database,
  primary: ServedModel,
  shadow: ServedModel,
  window: CheckWindow,
): Promise<Attribution> {
  let exact: [Explainer, Explainer] | null = null;
  const primaryExact = await explainerOrReason(primary, 'auto');
  const shadowExact = await explainerOrReason(shadow, 'auto');
  if (typeof primaryExact !== 'string' && typeof shadowExact !== 'string' && comparable(primaryExact, shadowExact))
    exact = [primaryExact, shadowExact];
  const limit = exact ? ATTRIBUTION_ROWS : SAMPLED_ATTRIBUTION_ROWS;
  const logged = await loggedRows(db, primary, window, limit, shadow.version);
  if (logged.rows.length === 0) {
    return {
      status: 'insufficient_data',
      reason:
        `no logged request that version ${shadow.version} shadowed in this window` +
        `${logged.skipped ? ` validates any more (${logged.skipped} skipped)` : ''}`,
    };
  }
  let pair = exact;
  if (!pair) {
    const a = await explainerOrReason(primary, 'sampling_shapley');
    const b = await explainerOrReason(shadow, 'sampling_shapley');
    if (typeof a === 'string' || typeof b === 'string') return { status: 'unavailable', reason: typeof a === 'string' ? a : (b as string) };
    pair = [a, b];
  }
  return compare(pair[0], pair[1], logged.rows, logged.rows, [...logged.hashed], logged.skipped);
}

function comparable(a: Explainer, b: Explainer): boolean {
  const identity = (t: string) => t.toLowerCase() === 'none';
  return identity(a.info.transform) && identity(b.info.transform) && a.info.outputs.join('\u0000') === b.info.outputs.join('\u0000');
}

async function explainerOrReason(served: ServedModel, method: ExplainMethodChoice): Promise<Explainer | string> {
  try {
    return await served.explainer(method);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function compare(
  referenceExplainer: Explainer,
  currentExplainer: Explainer,
  referenceRows: readonly Row[],
  currentRows: readonly Row[],
  hashed: string[],
  skipped: number,
): Attribution {
  const options = { budget: SAMPLING_BUDGET, seed: 0 };
  const before = summarizeExplanations(referenceExplainer.explain(referenceRows, options));
  const after = summarizeExplanations(currentExplainer.explain(currentRows, options));
  if (!before.ok || !after.ok) return { status: 'unavailable', reason: before.ok ? (after as { reason: string }).reason : before.reason };
  // Exact explanations of two versions differ in method (linear against TreeSHAP) but share units: compare as one.
  const reference: ExplanationSummary = { ...before.summary, method: after.summary.method, space: after.summary.space };
  const shifted = attributeShift(reference, after.summary);
  if (!shifted.ok) return { status: 'unavailable', reason: shifted.reason };
  const { shift } = shifted;
  const features = Object.entries(shift.features)
    .map(([feature, values]) => ({
      feature,
      shift: values,
      mean_abs: { reference: reference.features[feature]!.mean_abs, current: after.summary.features[feature]!.mean_abs },
    }))
    .sort((a, b) => Math.max(...b.shift.map(Math.abs)) - Math.max(...a.shift.map(Math.abs)));
  return {
    status: 'ok',
    method: before.summary.method === after.summary.method ? after.summary.method : `${before.summary.method} → ${after.summary.method}`,
    space: after.summary.space,
    outputs: shift.outputs,
    rows: { reference: referenceRows.length, current: currentRows.length },
    prediction_shift: shift.prediction_shift,
    base_shift: shift.base_shift,
    features,
    hashed_features: hashed,
    skipped_rows: skipped,
  };
}

/**
 * The newest logged instances of `served`'s version in `window` (those `shadowVersion` also answered, when
 * given), validated again. Features stored hashed (PII) are taken as absent; rows that no longer validate are
 * skipped and counted.
 */
async function loggedRows(
  db: Database,
  served: ServedModel,
  window: CheckWindow,
  limit: number,
  shadowVersion?: string,
): Promise<{ rows: Row[]; hashed: Set<string>; skipped: number }> {
  const where = and(
    eq(predictionSamples.model, served.name),
    eq(predictionSamples.version, Number(served.version)),
    gte(predictionSamples.createdAt, window.from),
    lt(predictionSamples.createdAt, window.to),
    ...(shadowVersion !== undefined
      ? [
          sql`EXISTS (SELECT 1 FROM ${shadowComparisons} c WHERE c.model = ${predictionSamples.model}
            AND c.request_id = ${predictionSamples.requestId} AND c.instance = ${predictionSamples.instance}
            AND c.shadow_version = ${Number(shadowVersion)} AND c.shadow_prediction IS NOT NULL)`,
        ]
      : []),
  );
  const samples = await db
    .select({ features: predictionSamples.features })
    .from(predictionSamples)
    .where(where)
    .orderBy(sql`${predictionSamples.createdAt} DESC`)
    .limit(limit);
  const protectedFeatures = served.manifest.features.filter((f) => f.pii !== undefined);
  const hashed = new Set<string>();
  const rows: Row[] = [];
  let skipped = 0;
  for (const sample of samples) {
    const instance = JSON.parse(sample.features) as Record<string, unknown>;
    for (const f of protectedFeatures) {
      if (instance[f.name] !== undefined && instance[f.name] !== null) hashed.add(f.name);
      // Absent: null where the feature may be null, else left out (the row then no longer validates).
      if (f.nullable) instance[f.name] = null;
      else delete instance[f.name];
    }
    const row = served.validator.validate(instance, rows.length, new FieldErrors());
    if (row) rows.push(row);
    else skipped++;
  }
  return { rows, hashed, skipped };
}
