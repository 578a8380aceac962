/**
 * The shapes of the Vigil API responses the client reads. The server's wire schemas are the source
 * (src/api/wire.ts, src/api/schemas.ts: `z.infer`); where the server documents an object only as "an object"
 * (a QA report, offline metrics, a manifest), the fields the client reads are spelled out here.
 */
import type { z } from 'zod';
import type {
  FeedbackItemSchema,
  FeedbackResponseSchema,
  PredictResponseSchema,
  PredictionSchema,
  V2ModelMetadataSchema,
} from '../../src/api/schemas.ts';
import type { DeploymentEventJson, DeploymentJson, ModelVersionDetailJson, ModelVersionJson } from '../../src/api/wire.ts';

export type { CanarySpec, ShadowSpec } from '../../src/traffic/deployment.ts';
export type Deployment = DeploymentJson;
export type DeploymentEvent = DeploymentEventJson;
export type VersionSummary = ModelVersionJson;

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

/** GET /admin/models/{model}/versions/{version}, and a push's answer (with the deployment a first push created). */
export type VersionRecord = Omit<ModelVersionDetailJson, 'offline_metrics' | 'qa_report' | 'manifest'> & {
  offline_metrics?: OfflineMetrics;
  qa_report?: QaReport;
  manifest?: ManifestView;
  /** A push of a new model's first QA-passed version: the deployment it created. */
  deployment?: Deployment;
};

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
export type V2ModelMetadata = z.infer<typeof V2ModelMetadataSchema>;

export type Prediction = z.infer<typeof PredictionSchema>;
export type PredictResponse = z.infer<typeof PredictResponseSchema>;
export type FeedbackItem = z.infer<typeof FeedbackItemSchema>;
export type FeedbackResponse = z.infer<typeof FeedbackResponseSchema>;
