/**
 * The shapes of the Vigil API responses the client reads (src/api/admin.ts, predict-v1.ts, oip-v2.ts),
 * written from the client's side: only the fields it uses, optional where the server may omit them.
 * Deployments and their audit events have the server's shapes exactly and are the server's types.
 */
import type { Deployment } from '../../src/traffic/deployment.ts';
import type { DeploymentEvent } from '../../src/traffic/deployment-store.ts';

export type { CanarySpec, Deployment, ShadowSpec } from '../../src/traffic/deployment.ts';
export type { DeploymentEvent } from '../../src/traffic/deployment-store.ts';

export interface VersionSummary {
  model: string;
  version: string;
  source: string;
  status: 'qa_passed' | 'qa_failed' | string;
  sha256: string;
  bytes: number;
  qa_failure?: string;
  /** Absent from servers older than the compiled evaluator. */
  engine?: 'onnxruntime' | 'compiled' | string;
  engine_reason?: string;
  engine_override?: { engine: string; actor: string; reason: string | null; at: string };
  created_at: string;
  created_by: string;
}

export interface QaCheck {
  name: string;
  passed: boolean;
  message: string;
  failures?: string[];
}

export interface QaReport {
  status: string;
  checked_at: string;
  golden_examples: number;
  checks: QaCheck[];
}

export interface OfflineMetrics {
  primary: string;
  higher_is_better: boolean;
  overall: Record<string, number>;
  slices?: { feature: string; slice: string; rows: number; metrics: Record<string, number> }[];
}

/** Only what the client reads of a manifest. */
export interface ManifestView {
  name?: string;
  version?: string;
  task?: string;
  output?: { labels?: string[]; positive_label?: string };
  monitoring?: { slices?: { feature: string; bands?: number[] }[] };
}

export interface VersionRecord extends VersionSummary {
  task?: string;
  stage?: string;
  trained_at?: string;
  offline_metrics?: OfflineMetrics;
  qa_report?: QaReport;
  manifest?: ManifestView;
  /** A push of a new model's first QA-passed version: the deployment it created. */
  deployment?: Deployment;
}

export interface ModelOverview {
  name: string;
  versions: VersionSummary[];
  deployment: Deployment | null;
}

export interface DeploymentChangeResult {
  deployment: Deployment;
  event: DeploymentEvent;
}

/** GET /v2/models/{model}. */
export interface V2ModelMetadata {
  name: string;
  versions?: string[];
  inputs: { name: string; datatype: string; shape?: number[] }[];
  outputs: { name: string; datatype: string; shape?: number[] }[];
  /** Present when an input holds several features: every feature with its datatype. */
  parameters?: { features?: { name: string; datatype: string }[] };
}

export type Prediction = { value: number } | { label: string; probabilities: Record<string, number> };

export interface PredictResponse {
  model: string;
  version: string;
  request_id: string;
  predictions: Prediction[];
  warnings?: string[];
}

export interface FeedbackItem {
  request_id: string;
  label: string | number;
  instance?: number;
}

export interface FeedbackResponse {
  accepted: number;
  matched: number;
  unknown: { request_id: string; instance?: number }[];
  /** Labels the server already had for these request ids (if it reports them). */
  duplicates?: { request_id: string; instance?: number }[];
}
