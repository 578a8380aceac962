/**
 * What report builders read from: D1, the registry, deployments, health-check history.
 */
import type { Database } from '../db/client.ts';
import type { HealthMonitor } from '../monitoring/health-monitor.ts';
import { type CheckWindow, windowLabel } from '../monitoring/checks/types.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { Manifest } from '../model/manifest.ts';
import type { ServedModel } from '../serving/served-model.ts';
import type { DeploymentService } from '../traffic/deployment-service.ts';
import type { Deployment } from '../traffic/deployment.ts';

export interface ReportDeps {
  db: Database;
  registry: ModelRegistry;
  deployments: DeploymentService;
  monitor: HealthMonitor;
  /** Whether ALERT_WEBHOOK_URL is configured (alerts reach someone). */
  alertsConfigured: boolean;
  /** A version as it serves (validator, explainers): reports explain logged instances with it. */
  served: (model: string, version: string) => Promise<ServedModel>;
  now?: () => Date;
}

export interface ReportScope {
  model: string;
  deployment: Deployment;
  primary: Manifest;
  window: CheckWindow;
  generated_at: string;
}

/** The window ending now: [now - minutes, now]. */
export function reportWindow(now: number, minutes: number): CheckWindow {
  return { from: now - minutes * 60_000, to: now + 1, label: windowLabel(minutes) };
}

export function windowJson(w: CheckWindow): { label: string; from: string; to: string } {
  return { label: w.label, from: new Date(w.from).toISOString(), to: new Date(w.to - 1).toISOString() };
}
