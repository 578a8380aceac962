/**
 * What telemetry carries from the request path to D1: records batched into queue messages.
 */
import type { Prediction } from '../model/decode.ts';
import type { FeatureValue } from '../model/manifest.ts';

export interface ShadowComparisonRecord {
  kind: 'comparison';
  request_id: string;
  instance: number;
  model: string;
  primary_version: string;
  shadow_version: string;
  primary_prediction: Prediction;
  /** Null when the shadow failed (see `error`). */
  shadow_prediction: Prediction | null;
  primary_score: number;
  shadow_score: number | null;
  primary_label: string | null;
  shadow_label: string | null;
  /** shadow score - primary score. */
  signed_diff: number | null;
  abs_diff: number | null;
  label_agree: 0 | 1 | null;
  primary_latency_ms: number;
  shadow_latency_ms: number | null;
  error: string | null;
  slices: Record<string, string>;
  created_at: number;
}

export type SampleRole = 'primary' | 'canary' | 'shadow' | 'pinned';

export interface PredictionSampleRecord {
  kind: 'sample';
  request_id: string;
  instance: number;
  model: string;
  version: string;
  role: SampleRole;
  /** Feature values with PII hashed or dropped as the manifest says. */
  features: Record<string, FeatureValue>;
  prediction: Prediction;
  score: number;
  label: string | null;
  latency_ms: number;
  slices: Record<string, string>;
  created_at: number;
}

/** Mergeable aggregate of one feature (or `__prediction__`, `__instances__`) over one time bucket. */
export interface ProfileRecord {
  kind: 'profile';
  model: string;
  version: string;
  bucket: number;
  bucket_ms: number;
  feature: string;
  count: number;
  nulls: number;
  invalid: number;
  sum: number;
  sum_sq: number;
  min: number | null;
  max: number | null;
  /** Counts per training bin index (numeric) or per category. */
  bins: Record<string, number>;
}

/** Records an isolate dropped because the queue kept refusing them, reported once it takes messages again. */
export interface DroppedRecord {
  kind: 'dropped';
  records: number;
  at: number;
}

export type TelemetryRecord = ShadowComparisonRecord | PredictionSampleRecord | ProfileRecord | DroppedRecord;

export interface TelemetryMessage {
  /** Unique per message: makes applying it idempotent when the queue redelivers it. */
  id: string;
  records: TelemetryRecord[];
}
