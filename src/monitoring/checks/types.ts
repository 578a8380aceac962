/**
 * What a health check produces and the window data checks read. Checks are pure functions of these values.
 */
import type { ProfileMoments } from '../../telemetry/profiles.ts';

export type CheckName =
  | 'staleness'
  | 'invalid_data'
  | 'invariants'
  | 'skew'
  | 'drift'
  | 'shadow'
  | 'canary'
  | 'quality'
  | 'bias'
  | 'parity';

export const CHECK_NAMES: readonly CheckName[] = [
  'staleness',
  'invalid_data',
  'invariants',
  'skew',
  'drift',
  'shadow',
  'canary',
  'quality',
  'bias',
  'parity',
];

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'insufficient_data';

export interface HealthCheckResult {
  check: CheckName;
  /** What within the check: a feature, `prediction`, a shadow or canary version, a slice; '' for the model. */
  subject: string;
  /** The model version the result is about. */
  version: string | null;
  status: CheckStatus;
  value: number | null;
  /** The threshold `value` is compared with (the fail threshold; `details` has the warn one). */
  threshold: number | null;
  /** The window the value covers, e.g. "60m" or "training". */
  window: string;
  details: Record<string, unknown>;
}

/** A time window [from, to) in ms, with its label. */
export interface CheckWindow {
  from: number;
  to: number;
  label: string;
}

/** The label of a window of `minutes`: whole days as "1d" or "7d", whole hours as "6h", otherwise "90m". */
export function windowLabel(minutes: number): string {
  return minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** Aggregated profile of one feature over a window (see telemetry/profiles.ts). */
export interface FeatureWindowStats extends ProfileMoments {
  bins: Record<string, number>;
}

/** Feature name (or __prediction__, __label__, __instances__, __errors__) -> stats. */
export type ProfileSnapshot = ReadonlyMap<string, FeatureWindowStats>;

export function result(r: Omit<HealthCheckResult, 'details'> & { details?: Record<string, unknown> }): HealthCheckResult {
  return { ...r, details: r.details ?? {} };
}

export function round(value: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
