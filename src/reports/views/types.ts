/**
 * What the dashboard views render: the JSON reports (as their builders return them) and the facts the pages
 * add around them (deployment, versions, latest health checks, audit trail).
 */
import type { HealthCheckResult } from '../../monitoring/checks/types.ts';
import type { Manifest } from '../../model/manifest.ts';
import type { VersionSummary } from '../../registry/version-repository.ts';
import type { Deployment } from '../../traffic/deployment.ts';
import type { DeploymentEvent } from '../../traffic/deployment-store.ts';
import type { canaryReport } from '../canary-report.ts';
import type { driftReport } from '../drift-report.ts';
import type { qualityReport } from '../quality-report.ts';
import type { buildScoreCard } from '../score-card.ts';
import type { shadowReport } from '../shadow-report.ts';

export type ShadowReport = Awaited<ReturnType<typeof shadowReport>>;
export type ShadowEntry = ShadowReport['shadows'][number];
export type CanaryReport = Awaited<ReturnType<typeof canaryReport>>;
export type DriftReport = Awaited<ReturnType<typeof driftReport>>;
export type DriftFeature = DriftReport['features'][number];
export type QualityReport = Awaited<ReturnType<typeof qualityReport>>;
export type ScoreReport = ReturnType<typeof buildScoreCard> & { generated_at: string };

export type StoredCheck = HealthCheckResult & { checked_at: string };

/** The dashboard windows (links on every model page). */
export const DASHBOARD_WINDOWS = ['1h', '24h', '7d'] as const;
export type DashboardWindow = (typeof DASHBOARD_WINDOWS)[number];

export interface ModelOverview {
  model: string;
  manifest: Manifest | null;
  deployment: Deployment | null;
  versions: readonly VersionSummary[];
  checks: readonly StoredCheck[];
}

export interface ModelPageData extends ModelOverview {
  window: DashboardWindow;
  events: readonly DeploymentEvent[];
  /** Offline algorithm and primary metric per version, from each version's manifest. */
  versionFacts: ReadonlyMap<string, { algorithm?: string; metric: string; value?: number; trainedAt?: string }>;
  reports: {
    shadow: ShadowReport;
    canary: CanaryReport;
    drift: DriftReport;
    quality: QualityReport;
    score: ScoreReport;
  } | null;
}
